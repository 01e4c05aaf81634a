"""Stand-ins the runnable tests talk to: a DNS server, a token issuer with its JWKS, a frozen
upstream, and a client that connects from another loopback address."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


class FakeDNS:
    """A UDP DNS server answering A queries from ``records`` (name -> IPv4), else NXDOMAIN."""

    def __init__(self, address: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.records: dict[str, str] = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.port = self.sock.getsockname()[1]
        self.queries = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                data, addr = self.sock.recvfrom(512)
            except OSError:
                return
            try:
                self.sock.sendto(self.answer(data), addr)
            except (OSError, IndexError, struct.error):
                continue

    def answer(self, query: bytes) -> bytes:
        self.queries += 1
        (qid,) = struct.unpack("!H", query[:2])
        labels, i = [], 12
        while query[i]:
            labels.append(query[i + 1 : i + 1 + query[i]].decode())
            i += query[i] + 1
        question = query[12 : i + 5]
        qtype = struct.unpack("!H", query[i + 1 : i + 3])[0]
        ip = self.records.get(".".join(labels).lower())
        if ip is None or qtype != 1:
            rcode = 3 if ip is None else 0
            return struct.pack("!HHHHHH", qid, 0x8180 | rcode, 1, 0, 0, 0) + question
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 1, 4) + socket.inet_aton(ip)
        return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + question + answer

    def close(self) -> None:
        self.sock.close()


def b64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """A token issuer for tests: a real RSA key, its JWKS served over HTTP, RS256 tokens."""

    def __init__(self, audience: str = "shop-api") -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        self.issuer = "https://issuer.test/"
        self.audience = audience
        numbers = self.key.public_key().public_numbers()
        jwks = {
            "keys": [
                {
                    "kty": "RSA",
                    "kid": self.kid,
                    "use": "sig",
                    "alg": "RS256",
                    "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
                    "e": b64url(numbers.e.to_bytes(3, "big")),
                }
            ]
        }
        body = json.dumps(jwks).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200 if self.path == "/jwks.json" else 404)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.jwks_url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"

    def settings(self) -> dict[str, str]:
        return {
            "JWT_JWKS_URL": self.jwks_url,
            "JWT_ISSUER": self.issuer,
            "JWT_AUDIENCE": self.audience,
        }

    def token(
        self,
        *,
        sub: str = "alice",
        audience: str | None = None,
        expires_in: int = 300,
        forged: bool = False,
    ) -> str:
        """A signed RS256 token; ``forged``: same kid, signed by a key that is not the issuer's."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        claims = {
            "sub": sub,
            "iss": self.issuer,
            "aud": audience or self.audience,
            "iat": now,
            "exp": now + expires_in,
        }
        signing_input = ".".join(
            b64url(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims)
        )
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if forged else self.key
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Received:
    """One request an ``HttpStub`` got: header names lower-case, the body read whole."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class HttpStub:
    """A dependency over plain HTTP (a vendor API, an OTLP collector): answers every GET and
    POST with ``status`` and ``body``, and keeps each request in ``received`` (chunked and gzip
    bodies decoded). ``port`` 0 picks a free one."""

    def __init__(
        self,
        body: bytes = b"{}",
        *,
        status: int = 200,
        content_type: str = "application/json",
        port: int = 0,
    ) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[Received] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def _read(self) -> bytes:
                if self.headers.get("transfer-encoding") == "chunked":
                    data = b""
                    while size := int(self.rfile.readline().strip() or b"0", 16):
                        data += self.rfile.read(size)
                        self.rfile.readline()
                    self.rfile.readline()
                else:
                    data = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.headers.get("content-encoding") == "gzip":
                    data = gzip.decompress(data)
                return data

            def _answer(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                received.append(Received(self.command, self.path, headers, self._read()))
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FrozenServer:
    """A dependency that hangs: accepts connections, reads, and never answers."""

    def __init__(self, port: int, host: str = "127.0.0.1"):
        self.sock = socket.create_server((host, port))
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()


def http_from(
    source: str, method: str, url: str, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, Any]:
    """A request whose TCP connection comes from ``source`` (another loopback address)."""
    import http.client

    parts = urlsplit(url)
    conn = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=timeout, source_address=(source, 0)
    )
    try:
        conn.request(
            method, parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {}
        )
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(raw)
    except ValueError:
        return resp.status, raw.decode(errors="replace")


class TcpProxy:
    """A TCP forwarder to ``127.0.0.1:target`` that a test can cut: ``down()`` closes every
    open connection and refuses new ones (as a stopped server would), ``up()`` serves again on
    the same port. Stands between a service and a shared backing service, which is never
    stopped itself."""

    def __init__(self, target: int):
        self.target = target
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.pairs: list[tuple[socket.socket, socket.socket]] = []
        self.lock = threading.Lock()
        self.closed = False
        threading.Thread(target=self._serve, args=(self.sock,), daemon=True).start()

    def _serve(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def down(self) -> None:
        # shutdown wakes the blocked accept(): a plain close() would leave the port listening
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for client, upstream in pairs:
            for s in (client, upstream):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()

    def up(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._serve, args=(self.sock,), daemon=True).start()

    def close(self) -> None:
        self.down()
