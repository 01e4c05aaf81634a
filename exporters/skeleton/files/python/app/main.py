"""The service's HTTP API: health, readiness, one stub per modelled operation.

Everything model-specific is read from spec.json; every address from the environment.
Operations of APIs modelled with ``auth: jwt`` (or oauth2) verify the bearer token against the
issuer's JWKS, ``auth: api-key`` ones the ``X-API-Key`` against ``API_KEYS`` (app/auth.py):
401 otherwise, even behind the gateway (which verified it too). The verified token is forwarded
on calls modelled with ``auth: jwt``.
Logs, metrics (``/metrics``) and traces as ``spec.observability`` asks (app/observability.py);
every answer carries ``X-Request-ID`` (the client's, else a new one).
Debug endpoints (``WORKBENCH_DEBUG_ENDPOINTS=1`` only, never in production):
``GET /_events/received``, ``POST /_events/publish/{event}`` (202 when it went into the
outbox), ``GET /_calls``, ``POST /_calls/{target}?method=GET&path=/``,
``POST /_events/fail/{event}?times=N`` (the next N deliveries of the event fail).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections import deque
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response

from . import observability
from .auth import ApiKeys, JwtVerifier, Unauthorized
from .context import CALLER_AUTHORIZATION
from .datastores import Datastores
from .messaging import Messaging
from .resilience import CallFailed, CircuitOpen, Dependencies

SPEC: dict[str, Any] = json.loads(Path(__file__).with_name("spec.json").read_text())
DEBUG = os.environ.get("WORKBENCH_DEBUG_ENDPOINTS") == "1"

observability.setup(SPEC)
log = logging.getLogger(SPEC["service"])
received: deque[dict[str, Any]] = deque(maxlen=1000)
fail_next: dict[str, int] = {}  # event -> deliveries left to fail (POST /_events/fail)


async def on_event(subscription: dict[str, Any], message: dict[str, Any]) -> None:
    """Stub consumer: log and remember. Replace with the real handling. An exception here means
    "not handled": the message is delivered again, then dead-lettered."""
    event = subscription["event"]
    if fail_next.get(event, 0) > 0:
        fail_next[event] -= 1
        raise RuntimeError(f"failing {event} on purpose (POST /_events/fail)")
    log.info(
        "received %s on %s",
        event,
        subscription["channel"],
        extra={"event_id": message.get("id", "")},
    )
    received.append({"event": event, "channel": subscription["channel"], "message": message})


datastores = Datastores(SPEC["datastores"])
messaging = Messaging(SPEC, on_event, datastores)
dependencies = Dependencies(SPEC["calls"])
AUTH = {op.get("auth", "none") for op in SPEC["operations"]}
jwt_verifier = JwtVerifier() if AUTH & {"jwt", "oauth2"} else None
api_keys = ApiKeys() if "api-key" in AUTH else None


async def identify(request: Request, auth: str) -> str | None:
    """The verified caller of an operation modelled with ``auth``; 401 when unverifiable."""
    header = request.headers.get("authorization")
    CALLER_AUTHORIZATION.set(header)
    try:
        if auth in ("jwt", "oauth2") and jwt_verifier is not None:
            claims = await asyncio.to_thread(jwt_verifier.verify, header)
            return str(claims["sub"])
        if auth == "api-key" and api_keys is not None:
            return api_keys.verify(request.headers.get("x-api-key"))
    except Unauthorized as exc:
        raise HTTPException(
            401, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from exc
    return None


@asynccontextmanager
async def lifespan(app: FastAPI):  # type: ignore[no-untyped-def]
    await messaging.start()
    yield
    await messaging.stop()
    await datastores.close()
    await dependencies.close()
    observability.shutdown()


app = FastAPI(title=SPEC["service"], lifespan=lifespan)
app.add_middleware(observability.RequestContext)


async def liveness() -> dict[str, str]:
    return {"status": "ok", "service": SPEC["service"]}


async def readiness() -> JSONResponse:
    problems = await datastores.problems() + messaging.problems()
    problems += jwt_verifier.problems() if jwt_verifier else []
    # an operator-supplied address left empty keeps the service out of rotation until it is set
    problems += [f"{c['env']} is not set" for c in SPEC["calls"] if not os.environ.get(c["env"])]
    problems += api_keys.problems() if api_keys else []
    problems += [f"broker {b}: kind not supported by the skeleton" for b in messaging.unsupported]
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ready", "service": SPEC["service"]})


if SPEC["observability"]["metrics"]:

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body, content_type = observability.metrics_response()
        return Response(body, media_type=content_type)


for path in {"/healthz", SPEC["health"]["liveness"]}:
    app.add_api_route(path, liveness, methods=["GET"], include_in_schema=False)
for path in {"/readyz", SPEC["health"]["readiness"]} - {SPEC["health"]["liveness"]}:
    app.add_api_route(path, readiness, methods=["GET"], include_in_schema=False)


def _stub(operation: dict[str, Any]):  # type: ignore[no-untyped-def]
    async def stub(request: Request) -> dict[str, Any]:
        identity = await identify(request, operation.get("auth", "none"))
        # TODO: implement; the model says this is `{operation['key']}` of `{operation['api']}`.
        return {
            "service": SPEC["service"],
            "operation": operation["key"],
            "stub": True,
            "path": request.url.path,
            "path_params": dict(request.path_params),
            "identity": identity,
            # what the gateway verified and passed on (absent when called directly)
            "gateway_identity": request.headers.get("x-auth-subject"),
        }

    return stub


for op in SPEC["operations"]:
    for prefix in ["", *SPEC["route_prefixes"]]:
        app.add_api_route(
            prefix + op["path"],
            _stub(op),
            methods=[op["method"]],
            name=f"{op['key']} ({prefix or '/'})",
        )


async def call(target: str, method: str, path: str, **kwargs: Any) -> Any:
    """A modelled call through the resilience helper; 503 when the circuit is open."""
    try:
        return await dependencies.call(target, method, path, **kwargs)
    except CircuitOpen as exc:
        raise HTTPException(503, str(exc)) from exc
    except CallFailed as exc:
        raise HTTPException(502, str(exc)) from exc


if DEBUG:

    @app.get("/_events/received", include_in_schema=False)
    async def events_received() -> list[dict[str, Any]]:
        return list(received)

    @app.post("/_events/publish/{event}", include_in_schema=False)
    async def events_publish(event: str, request: Request) -> JSONResponse:
        if event not in messaging.publishes:
            raise HTTPException(404, f"{SPEC['service']} does not publish {event}")
        body = await request.body()
        try:
            data = json.loads(body) if body else {}
        except ValueError as exc:
            raise HTTPException(400, f"the body is not JSON: {exc}") from exc
        try:
            how = await messaging.publish(event, data)
        except ConnectionError as exc:
            raise HTTPException(503, str(exc)) from exc
        if how == "stored":
            return JSONResponse({"stored": event, "in": "outbox"}, status_code=202)
        return JSONResponse({"published": event})

    @app.post("/_events/fail/{event}", include_in_schema=False)
    async def events_fail(event: str, times: int = 1) -> dict[str, Any]:
        if event not in {s["event"] for s in SPEC["subscribes"]}:
            raise HTTPException(404, f"{SPEC['service']} does not consume {event}")
        fail_next[event] = max(0, times)
        return {"failing": event, "times": fail_next[event]}

    @app.get("/_calls", include_in_schema=False)
    async def calls_stats() -> list[dict[str, Any]]:
        return [d.stats() for d in dependencies.by_name.values()]

    @app.post("/_calls/{target}", include_in_schema=False)
    async def calls_make(
        request: Request, target: str, method: str = "GET", path: str = "/"
    ) -> dict[str, Any]:
        if target not in dependencies.by_name:
            raise HTTPException(404, f"{SPEC['service']} does not call {target}")
        CALLER_AUTHORIZATION.set(request.headers.get("authorization"))
        response = await call(target, method, path)
        try:
            body = response.json()
        except ValueError:
            body = None
        return {
            "status": response.status_code,
            "body": body,
            "fallback": response.headers.get("x-workbench-fallback"),
            **dependencies.by_name[target].stats(),
        }
