"""Edge and security rules: gateways, authentication at the edge, TLS and identity."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="no-api-gateway",
    category="security",
    severity="warning",
    title="No API gateway",
    summary="An actor or frontend calling a service that is not a gateway or frontend; or a "
    "public API of a non-gateway service that no gateway route reaches.",
    fix="Route external traffic through a gateway or BFF.",
)
def no_api_gateway(ctx: Context) -> Iterator[Hit]:
    callers = [(a.id, a.calls, "actor") for a in ctx.model.actors]
    callers += [(s.id, s.calls, "frontend") for s in ctx.model.services if s.kind == "frontend"]
    for source, calls, kind in callers:
        for c in calls:
            callee = ctx.services.get(c.to)
            # External services are outside the system: there is nothing of ours to route through.
            if callee is None or callee.kind in ("gateway", "frontend", "external"):
                continue
            yield Hit(
                c.edge,
                [source, c.to],
                f"{kind} {source} calls {c.to} ({callee.kind}) directly, not through a gateway",
                c.pointer,
            )
    for s in ctx.model.services:
        if s.kind == "gateway":
            continue
        for api in s.apis:
            if api.public and api.id not in ctx.routed_apis:
                yield Hit(
                    api.id,
                    [api.id, s.id],
                    f"public api {api.id} of {s.id} is reached by no gateway route",
                    api.pointer,
                )


@rule(
    id="unauthenticated-entry",
    category="security",
    severity="warning",
    title="Unauthenticated entry",
    summary="A gateway route with auth: none to an API that also has auth: none; or a public "
    "API with auth: none that no route reaches.",
    fix="Authenticate at the gateway (OAuth2/OIDC, JWT).",
)
def unauthenticated_entry(ctx: Context) -> Iterator[Hit]:
    for r in ctx.routes:
        if r.auth != "none":
            continue
        apis = ctx.apis_reached(r.to, r.api)
        if all(a.auth == "none" for a in apis):
            what = (
                f"api {', '.join(a.id for a in apis)} has no auth either"
                if apis
                else f"{r.to} declares no api with auth"
            )
            yield Hit(
                f"{r.gateway}->{r.to}",
                [r.gateway, r.to, *(a.id for a in apis)],
                f"gateway {r.gateway} routes {r.path} to {r.to} without auth, and {what}",
                r.pointer,
            )
    for s in ctx.model.services:
        for api in s.apis:
            if api.public and api.auth == "none" and api.id not in ctx.routed_apis:
                yield Hit(
                    api.id,
                    [api.id, s.id],
                    f"public api {api.id} of {s.id} has auth: none and no gateway route "
                    "in front of it",
                    api.pointer,
                )


@rule(
    id="unencrypted-call",
    category="security",
    severity="info",
    title="Unencrypted call",
    summary="A call whose effective tls is false.",
    fix="TLS or mTLS, e.g. through a mesh.",
)
def unencrypted_call(ctx: Context) -> Iterator[Hit]:
    for c in ctx.internal_calls:
        if c.tls is False:
            yield Hit(c.edge, [c.source, c.to], f"{c.source} calls {c.to} without TLS", c.pointer)


@rule(
    id="trust-the-network",
    category="security",
    severity="info",
    title="Trust the network",
    summary="A call with auth: none into a service that some route or public API protects "
    "with auth.",
    fix="Propagate the caller's identity (JWT, mTLS) and authorise in each service.",
)
def trust_the_network(ctx: Context) -> Iterator[Hit]:
    protected: dict[str, str] = {}
    for r in reversed(ctx.routes):
        if r.auth != "none":
            protected[r.to] = f"route {r.path} of {r.gateway} requires {r.auth}"
    for s in reversed(ctx.model.services):
        for api in reversed(s.apis):
            if api.public and api.auth != "none":
                protected[s.id] = f"public api {api.id} requires {api.auth}"
    for c in ctx.internal_calls:
        if c.auth == "none" and c.to in protected:
            yield Hit(
                c.edge,
                [c.source, c.to],
                f"{c.source} calls {c.to} with no identity (auth: none), yet {protected[c.to]}",
                c.pointer,
            )
