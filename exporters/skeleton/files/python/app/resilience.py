"""Outbound calls with the model's resilience settings: deadline, retries, circuit breaker.

- deadline: ``timeout_ms`` is one overall deadline for the call, across every attempt and
  backoff (each attempt gets what is left). A call modelled without a timeout still gets the
  safety ceiling ``SAFETY_TIMEOUT_S`` (30 s), so nothing waits forever; the rules still report
  the missing timeout.
- retries: up to ``max`` more attempts, exponential backoff ``backoff_ms * 2**(n-1)``, with
  "full jitter" (a random delay in [0, backoff]) when ``jitter`` is set. Connection failures are
  always retried (nothing was sent); timeouts and 5xx answers only when the operation is
  idempotent: the modelled operation's ``idempotent`` flag when the call names one, else the
  HTTP method (GET, HEAD, PUT, DELETE, OPTIONS).
- circuit breaker: after ``failure_threshold`` failed calls in a row the circuit opens and calls
  fail fast with ``CircuitOpen`` (the API answers 503) without touching the network; after
  ``reset_timeout_ms`` one trial call is let through (half-open): success closes it, failure
  opens it again.
- fallback: when the model names one, an open circuit or a failed call answers with
  ``fallback_response`` (marked ``x-workbench-fallback``) instead of an error: replace it with
  the real fallback (a cached value, a default).
- identity: a call modelled with ``auth: jwt`` forwards the caller's verified token.
- watching: every attempt is a client span whose ``traceparent`` goes out with the request, with
  the caller's ``X-Request-ID``; ``http_client_requests_total{target,outcome}`` counts attempts
  (success, error, timeout), calls refused by the open circuit (short_circuited) and calls
  answered by the fallback; ``circuit_breaker_state{target}`` is read from the breaker.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from typing import Any

import httpx

from . import observability as obs
from .context import CALLER_AUTHORIZATION

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
SAFETY_TIMEOUT_S = 30.0  # for calls modelled without a timeout


class CircuitOpen(Exception):
    """The dependency's circuit is open: fail fast."""


class CallFailed(Exception):
    """Every attempt failed (connection error, timeout or 5xx)."""


class CircuitBreaker:
    def __init__(self, failure_threshold: int, reset_timeout_ms: int, clock=time.monotonic):
        self.failure_threshold = failure_threshold
        self.reset_timeout = reset_timeout_ms / 1000
        self.clock = clock
        self.state = "closed"
        self.failures = 0
        self.opened_at = 0.0

    def allow(self) -> bool:
        if self.state == "open":
            if self.clock() - self.opened_at < self.reset_timeout:
                return False
            self.state = "half-open"  # let one trial call through
            return True
        return self.state == "closed"

    def record_success(self) -> None:
        self.state, self.failures = "closed", 0

    def record_failure(self) -> None:
        self.failures += 1
        if self.state == "half-open" or self.failures >= self.failure_threshold:
            self.state, self.opened_at = "open", self.clock()


class Dependency:
    """One modelled call target, with its own breaker and counters."""

    def __init__(self, spec: dict[str, Any]):
        self.name = spec["to"]
        self.env = spec["env"]
        self.timeout = spec["timeout_ms"] / 1000 if spec.get("timeout_ms") else SAFETY_TIMEOUT_S
        self.idempotent: bool | None = spec.get("idempotent")  # the modelled operation's flag
        self.fallback: str | None = spec.get("fallback")
        self.forward_token = spec.get("auth") == "jwt"
        retries = spec.get("retries") or {}
        self.max_retries = int(retries.get("max") or 0)
        self.backoff = (retries.get("backoff_ms") or 100) / 1000
        self.jitter = bool(retries.get("jitter"))
        cb = spec.get("circuit_breaker")
        self.breaker = (
            CircuitBreaker(cb["failure_threshold"], cb["reset_timeout_ms"]) if cb else None
        )
        obs.watch_breaker(self.name, self.breaker_state)
        self.attempts = 0  # network attempts made, for the debug endpoint and tests
        self.rejected = 0  # calls refused by the open circuit
        self.fallbacks = 0  # calls answered by the fallback

    @property
    def base_url(self) -> str:
        url = os.environ.get(self.env, "")
        if not url:
            raise CallFailed(f"{self.env} is not set")
        return url.rstrip("/")

    def breaker_state(self) -> str:
        """The state a probe would find now: an open circuit past its reset time is half-open."""
        breaker = self.breaker
        if breaker is None:
            return "closed"
        if breaker.state == "open" and breaker.clock() - breaker.opened_at >= breaker.reset_timeout:
            return "half-open"
        return breaker.state

    def delay(self, attempt: int) -> float:
        backoff = self.backoff * 2 ** (attempt - 1)
        return random.uniform(0, backoff) if self.jitter else backoff

    def fallback_response(self, reason: str) -> httpx.Response:
        """The modelled fallback (a stub: replace with the real one)."""
        self.fallbacks += 1
        obs.record_client(self.name, "fallback")
        return httpx.Response(
            200,
            json={"fallback": self.fallback, "to": self.name, "reason": reason},
            headers={"x-workbench-fallback": self.fallback or ""},
        )

    async def request(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        try:
            return await self._request(client, method, path, idempotent=idempotent, **kwargs)
        except (CircuitOpen, CallFailed) as exc:
            if self.fallback:
                return self.fallback_response(str(exc))
            raise

    async def _request(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        if self.breaker is not None and not self.breaker.allow():
            self.rejected += 1
            obs.record_client(self.name, "short_circuited")
            raise CircuitOpen(f"circuit to {self.name} is open")
        method = method.upper()
        if idempotent is None:
            idempotent = self.idempotent if self.idempotent is not None else method in IDEMPOTENT
        headers = dict(kwargs.pop("headers", None) or {})
        token = CALLER_AUTHORIZATION.get()
        if self.forward_token and token:
            headers["authorization"] = token
        if obs.REQUEST_ID.get():
            headers["x-request-id"] = obs.REQUEST_ID.get()
        deadline = time.monotonic() + self.timeout
        error = "no attempt made"
        for attempt in range(self.max_retries + 1):
            if attempt:
                pause = min(self.delay(attempt), deadline - time.monotonic())
                if pause > 0:
                    await asyncio.sleep(pause)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                error = f"deadline of {self.timeout:g} s exceeded"
                break
            self.attempts += 1
            started = time.perf_counter()
            with obs.span(
                f"{method}", "CLIENT", **{"peer.service": self.name, "http.method": method}
            ) as current:
                obs.inject(headers)  # this attempt's span is the parent on the other side
                try:
                    response = await client.request(
                        method, self.base_url + path, timeout=remaining, headers=headers, **kwargs
                    )
                except httpx.ConnectError as exc:
                    obs.record_client(self.name, "error", time.perf_counter() - started)
                    error = f"connect: {exc}"
                    continue
                except httpx.TransportError as exc:  # timeouts, resets mid-request
                    outcome = "timeout" if isinstance(exc, httpx.TimeoutException) else "error"
                    obs.record_client(self.name, outcome, time.perf_counter() - started)
                    error = f"{type(exc).__name__}: {exc}"
                    if idempotent:
                        continue
                    break
                if current is not None:
                    current.set_attribute("http.status_code", response.status_code)
            outcome = "error" if response.status_code >= 500 else "success"
            obs.record_client(self.name, outcome, time.perf_counter() - started)
            if response.status_code >= 500:
                error = f"HTTP {response.status_code}"
                if idempotent:
                    continue
                break
            if self.breaker is not None:
                self.breaker.record_success()
            return response
        if self.breaker is not None:
            self.breaker.record_failure()
        raise CallFailed(f"call to {self.name} failed: {error}")

    def stats(self) -> dict[str, Any]:
        breaker = self.breaker
        return {
            "to": self.name,
            "attempts": self.attempts,
            "rejected": self.rejected,
            "fallbacks": self.fallbacks,
            "state": breaker.state if breaker else "none",
            "failures": breaker.failures if breaker else 0,
        }


class Dependencies:
    def __init__(self, calls: list[dict[str, Any]]):
        self.by_name = {c["to"]: Dependency(c) for c in calls}
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(headers={"user-agent": "workbench-skeleton"})
        return self._client

    async def call(self, name: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.by_name[name].request(self.client, method, path, **kwargs)

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
