"""Who is calling: JWTs verified against the issuer's JWKS, API keys checked against a secret.

Fails closed: a missing setting, an unreachable JWKS, a bad signature, a wrong issuer or
audience, an expired token or an unknown key all raise ``Unauthorized`` (the caller gets 401).

- ``JWT_JWKS_URL``, ``JWT_ISSUER``, ``JWT_AUDIENCE``: the issuer's settings (operator-supplied);
  ``JWT_ALGORITHMS`` (default ``RS256,ES256``: asymmetric only, never ``none`` or HMAC),
  ``JWT_LEEWAY_SECONDS`` (clock skew allowed on ``exp``/``nbf``, default 30).
- ``API_KEYS``: comma-separated keys (a secret); compared in constant time.

The same file serves the gateway's verifier (``verifier.py``) and the FastAPI skeleton.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from typing import Any

import jwt

REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]


class Unauthorized(Exception):
    """The caller could not be verified; the message says why (safe to show)."""


class JwtVerifier:
    def __init__(self, env: Mapping[str, str] = os.environ):
        self.jwks_url = env.get("JWT_JWKS_URL", "")
        self.issuer = env.get("JWT_ISSUER", "")
        self.audience = env.get("JWT_AUDIENCE", "")
        self.algorithms = [
            a.strip() for a in env.get("JWT_ALGORITHMS", "RS256,ES256").split(",") if a.strip()
        ]
        self.leeway = int(env.get("JWT_LEEWAY_SECONDS", "30"))
        bad = [a for a in self.algorithms if a.lower() == "none" or a.upper().startswith("HS")]
        self.unsafe = f"JWT_ALGORITHMS must be asymmetric, not {', '.join(bad)}" if bad else ""
        self._jwks = (
            jwt.PyJWKClient(self.jwks_url, cache_keys=True, lifespan=300, timeout=3)
            if self.jwks_url
            else None
        )

    def problems(self) -> list[str]:
        missing = [
            name
            for name, value in (
                ("JWT_JWKS_URL", self.jwks_url),
                ("JWT_ISSUER", self.issuer),
                ("JWT_AUDIENCE", self.audience),
            )
            if not value
        ]
        out = [f"{name} is not set" for name in missing]
        return out + ([self.unsafe] if self.unsafe else [])

    def verify(self, authorization: str | None) -> dict[str, Any]:
        """The token's claims, or ``Unauthorized``. Blocking (fetches the JWKS when needed)."""
        problems = self.problems()
        if problems or self._jwks is None:
            raise Unauthorized("token verification is not configured: " + "; ".join(problems))
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("a bearer token is required")
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=self.algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWKClientError as exc:
            raise Unauthorized(f"no signing key for this token: {exc}") from exc
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        return claims


class ApiKeys:
    def __init__(self, env: Mapping[str, str] = os.environ):
        self.keys = [k.strip() for k in env.get("API_KEYS", "").split(",") if k.strip()]

    def problems(self) -> list[str]:
        return [] if self.keys else ["API_KEYS is not set"]

    def verify(self, key: str | None) -> str:
        """An identity for the key (``api-key:<sha256 prefix>``), or ``Unauthorized``."""
        if not self.keys:
            raise Unauthorized("API keys are not configured")
        given = (key or "").encode()
        if not given or not any(hmac.compare_digest(given, k.encode()) for k in self.keys):
            raise Unauthorized("a valid X-API-Key is required")
        return "api-key:" + hashlib.sha256(given).hexdigest()[:12]
