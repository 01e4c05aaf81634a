"""The gateway's verifier: nginx asks it through ``auth_request`` before proxying a route.

``GET /verify/jwt`` (the client's ``Authorization``) and ``GET /verify/api-key`` (its
``X-API-Key``) answer 200 with ``X-Auth-Subject`` (nginx passes it on to the service) or 401;
anything else, including this process being down, makes nginx refuse the request (fail closed).
``/healthz``: alive; ``/readyz``: 503 until every setting it needs is present.
Settings and checks are in ``app/auth.py`` (the same code the Python services verify with).
"""

from __future__ import annotations

import json
import logging
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.auth import ApiKeys, JwtVerifier, Unauthorized

logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(message)s")
log = logging.getLogger("verifier")
# Which checks this gateway's routes need (set by the bundle): "jwt", "api-key" or both.
MODES = set(os.environ.get("VERIFIER_MODES", "jwt,api-key").split(","))
JWT = JwtVerifier()
KEYS = ApiKeys()


def problems() -> list[str]:
    return (JWT.problems() if "jwt" in MODES else []) + (
        KEYS.problems() if "api-key" in MODES else []
    )


class Handler(BaseHTTPRequestHandler):
    server_version = "verifier"
    sys_version = ""

    def _send(self, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            return self._send(200, {"status": "ok"})
        if path == "/readyz":
            missing = problems()
            return self._send(503 if missing else 200, {"problems": missing})
        try:
            if path == "/verify/jwt" and "jwt" in MODES:
                claims = JWT.verify(self.headers.get("Authorization"))
                subject, method = str(claims["sub"]), "jwt"
            elif path == "/verify/api-key" and "api-key" in MODES:
                subject, method = KEYS.verify(self.headers.get("X-API-Key")), "api-key"
            else:
                return self._send(404, {"detail": "not found"})
        except Unauthorized as exc:
            log.info("refused %s: %s", path, exc)
            return self._send(
                401, {"detail": str(exc)}, {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            )
        except Exception:  # fail closed, whatever went wrong
            log.exception("verification failed")
            return self._send(401, {"detail": "verification failed"})
        return self._send(200, {}, {"X-Auth-Subject": subject, "X-Auth-Method": method})

    def log_message(self, format: str, *args: object) -> None:
        pass


if __name__ == "__main__":
    host = os.environ.get("HOST", "0.0.0.0")  # noqa: S104 - in a container
    server = ThreadingHTTPServer((host, int(os.environ.get("PORT", "8080"))), Handler)
    server.daemon_threads = True
    server.serve_forever()
