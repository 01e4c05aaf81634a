"""The gateway as nginx: one ``location`` per modelled route.

- each route is a regex location ``^<path>(/|$)`` (so ``/api/orders`` does not also match
  ``/api/ordersx``), longest path first; ``strip_prefix`` → ``rewrite``;
- **names are re-resolved** (``dynamic_dns``, the Compose flavour): ``resolver`` Docker's DNS
  (127.0.0.11, ``valid=5s``) and ``proxy_pass`` through a variable, so a recreated container on
  a new address is reached without restarting the gateway. The Kubernetes flavour uses
  ``upstream`` blocks instead: a Service's ClusterIP does not change when its pods do;
- **the real client address** comes from ``X-Forwarded-For``, trusted only from loopback and the
  private ranges (docker-proxy, an ingress controller): ``TRUSTED_PROXIES``;
- ``rate_limit`` → a ``limit_req_zone`` per route keyed on that address (burst = rate), checked
  **before** authentication (limit_req runs in nginx's preaccess phase, auth_request in access),
  429 as JSON;
- ``auth`` → ``auth_request`` to the gateway's verifier ``<gateway>-auth`` (JWT signature against
  the JWKS, issuer, audience, expiry; API keys against a secret). Fail closed: a 401 from it is a
  401, the verifier down or erring is a 500. The verified subject goes to the service as
  ``X-Auth-Subject`` (and is blanked on every route, so a client cannot forge it);
- **edge timeouts** from the model: the largest ``timeout_ms`` of the model's calls to the
  route's service, else ``defaults.call.timeout_ms``, never more than ``EDGE_TIMEOUT_CEILING_MS``
  (30 s, also the value when nothing is modelled): connect (at most 2 s), send and read; a frozen
  service gives 504 within it. Idempotent requests are retried on another address of the name
  (``proxy_next_upstream``) up to the modelled ``retries.max``;
- **request ids**: the client's ``X-Request-ID`` is kept when it is at most 128 printable
  characters, else nginx makes one (``$request_id``); it goes upstream and back to the client;
- **JSON access log** when the gateway's observability says ``logging: central``: one JSON
  object per line on stdout (``log_format ... escape=json``) with the request id and the trace
  id of an incoming ``traceparent`` (nginx passes ``traceparent`` on unchanged);
- **internal endpoints** of the services (``/docs``, ``/openapi.json``, health, the debug
  endpoints) answer 404 under every route; every error nginx makes is JSON.

Paths are checked against ``safe.ROUTE_PATH`` before they get here; ids are slugs.
"""

from __future__ import annotations

import re

from apps.archmodel.types import Route, Service
from exporters.common import safe
from exporters.common.infra import JWT_AUTH, Plan

from .spec import health_paths

EDGE_TIMEOUT_CEILING_MS = 30_000
CONNECT_TIMEOUT_MS = 2_000
MAX_EDGE_TRIES = 4
DOCKER_DNS = "127.0.0.11"
TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
# Endpoints the skeletons serve for the platform, never for clients.
INTERNAL_SEGMENTS = [
    "docs",
    "redoc",
    "openapi.json",
    "healthz",
    "readyz",
    "_events",
    "_calls",
    "_auth",
    "_gateway",
]
ERRORS = {
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    429: "too many requests",
    500: "internal error",
    502: "upstream unavailable",
    503: "upstream unavailable",
    504: "upstream timed out",
}


def check_routes(gw: Service, problems: list[str]) -> None:
    for i, route in enumerate(gw.routes):
        safe.check(
            safe.ROUTE_PATH, route.path, f"{gw.pointer}/routes/{i}/path", problems, "route path"
        )


def edge_policy(plan: Plan, callee: str) -> tuple[int, int]:
    """(timeout in ms, tries) for requests the gateway proxies to ``callee``."""
    calls = plan.calls_to(callee)
    defaults = plan.call_defaults()
    timeouts = [c.timeout_ms for c in calls if c.timeout_ms]
    timeout = max(timeouts) if timeouts else defaults.get("timeout_ms") or EDGE_TIMEOUT_CEILING_MS
    retries = [c.retries.max for c in calls]
    if not retries:
        modelled = defaults.get("retries") or 0
        retries = [modelled.get("max", 0) if isinstance(modelled, dict) else int(modelled)]
    tries = min(max(retries) + 1, MAX_EDGE_TRIES)
    return min(int(timeout), EDGE_TIMEOUT_CEILING_MS), tries


def _var(gw: Service) -> str:
    return gw.id.replace("-", "_")


def _internal_regex(plan: Plan, route: Route) -> str:
    callee = plan.service(route.to)
    modelled = {
        (op.path or "").lstrip("/").split("/", 1)[0] for api in callee.apis for op in api.operations
    }
    segments = [s for s in INTERNAL_SEGMENTS if s not in modelled]
    segments += [p.lstrip("/") for p in health_paths(callee) if p.lstrip("/") not in segments]
    prefix = re.escape(route.path.rstrip("/"))
    return f"^{prefix}/({'|'.join(re.escape(s) for s in segments if s)})(/|$)"


def _target(name: str, port: int, dynamic_dns: bool) -> str:
    return f"{name}:{port}" if dynamic_dns else name


def _log_json(gw: Service) -> str:
    """The access log line (the skeletons' JSON log fields); ids are slugs, values variables."""
    var = _var(gw)
    text = {
        "time": "$time_iso8601",
        "level": "info",
        "service": gw.id,
        "message": "$request_method $uri $status",
        "trace_id": f"${var}_trace_id",
        "span_id": f"${var}_span_id",
        "request_id": f"${var}_request_id",
        "method": "$request_method",
        "path": "$uri",
        "upstream": "$upstream_addr",
        "upstream_status": "$upstream_status",
        "remote_addr": "$remote_addr",
    }
    numbers = {"status": "$status", "duration_s": "$request_time", "bytes": "$body_bytes_sent"}
    fields = [f'"{k}": "{v}"' for k, v in text.items()] + [
        f'"{k}": {v}' for k, v in numbers.items()
    ]
    return "{" + ", ".join(fields) + "}"


def request_id_lines(gw: Service) -> list[str]:
    """http-level maps: the request id (the client's when usable) and the JSON log format."""
    var = _var(gw)
    lines = [
        "# The client's X-Request-ID when it is at most 128 printable characters, else a new one.",
        f"map $http_x_request_id ${var}_request_id {{",
        '    "~^[\\x20-\\x7e]{1,128}$" $http_x_request_id;',
        "    default $request_id;",
        "}",
    ]
    if gw.observability.logging == "central":
        lines += [
            "# The trace and parent span ids of an incoming W3C traceparent, for the log.",
            f"map $http_traceparent ${var}_trace_id {{",
            '    "~^[0-9a-f]{2}-(?<tid>[0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$" $tid;',
            '    default "";',
            "}",
            f"map $http_traceparent ${var}_span_id {{",
            '    "~^[0-9a-f]{2}-[0-9a-f]{32}-(?<sid>[0-9a-f]{16})-[0-9a-f]{2}$" $sid;',
            '    default "";',
            "}",
            f"log_format {var}_json escape=json '{_log_json(gw)}';",
        ]
    return [*lines, ""]


def nginx_conf(plan: Plan, gw: Service, *, dynamic_dns: bool) -> str:
    system = plan.model.name
    var = _var(gw)
    verifier = next((v for v, g in plan.verifiers.items() if g == gw.id), None)
    lines = [
        f"# Generated by the Architecture Workbench: gateway '{gw.id}' of system '{system}'.",
        "# One location per modelled route; see the bundle's README for what each part does.",
        "",
    ]
    if dynamic_dns:
        lines += [
            "# Docker's DNS, asked again every 5 s: a recreated container is found at its new address.",
            f"resolver {DOCKER_DNS} valid=5s ipv6=off;",
            "resolver_timeout 2s;",
        ]
    lines += request_id_lines(gw)
    lines += ["# The client's address from X-Forwarded-For, trusted only from these proxies."]
    lines += [f"set_real_ip_from {cidr};" for cidr in TRUSTED_PROXIES]
    lines += ["real_ip_header X-Forwarded-For;", "real_ip_recursive on;", ""]
    zones: dict[int, str] = {}
    for i, route in enumerate(gw.routes):
        if route.rate_limit:
            zones[i] = f"{var}_route{i}"
            lines.append(
                f"limit_req_zone $binary_remote_addr zone={zones[i]}:10m rate={int(route.rate_limit)}r/s;"
            )
    targets = list(dict.fromkeys([r.to for r in gw.routes] + ([verifier] if verifier else [])))
    if not dynamic_dns:
        for target in targets:
            lines += [
                f"upstream {target} {{",
                f"    server {target}:{int(plan.service(target).port)};",
                "    keepalive 16;",
                "}",
            ]
    lines += [
        "",
        "server {",
        f"    listen {int(gw.port)};",
        "    server_name _;",
        "    server_tokens off;",
        "    client_max_body_size 10m;",
        f"    add_header X-Request-ID ${var}_request_id always;",
    ]
    if gw.observability.logging == "central":
        lines.append(f"    access_log /dev/stdout {var}_json;")
    lines += [f"    error_page {code} @error{code};" for code in ERRORS]
    lines += [
        "",
        '    location = /healthz { access_log off; default_type text/plain; return 200 "ok\\n"; }',
        '    location = /readyz { access_log off; default_type text/plain; return 200 "ready\\n"; }',
        "",
        "    # Reachability of each upstream, for the container's health check only (loopback).",
    ]
    for target in targets:
        svc = plan.service(target)
        liveness, _ = health_paths(svc)
        lines += [
            f"    location = /_gateway/upstreams/{target} {{",
            "        access_log off;",
            '        if ($realip_remote_addr != "127.0.0.1") { return 404; }',
            f"        set $upstream_target {_target(target, svc.port, dynamic_dns)};",
            f"        proxy_pass http://$upstream_target{liveness};",
            "        proxy_connect_timeout 2s;",
            "        proxy_read_timeout 3s;",
            "    }",
        ]
    if verifier:
        modes = sorted({"jwt" if r.auth in JWT_AUTH else r.auth for r in gw.routes} - {"none"})
        for mode in modes:
            lines += [
                "",
                f"    # The verifier checks the caller ({mode}); 200 lets the request through.",
                f"    location = /_auth/{mode} {{",
                "        internal;",
                f"        set $verifier_target {_target(verifier, 8080, dynamic_dns)};",
                f"        proxy_pass http://$verifier_target/verify/{mode};",
                "        proxy_pass_request_body off;",
                '        proxy_set_header Content-Length "";',
                "        proxy_set_header X-Original-URI $request_uri;",
                "        proxy_connect_timeout 2s;",
                "        proxy_read_timeout 5s;",
                "    }",
            ]
    lines += ["", "    # Internal endpoints of the services are not for clients."]
    for route in gw.routes:
        lines += [
            f"    location ~ {_internal_regex(plan, route)} {{ return 404; }}",
        ]
    order = sorted(range(len(gw.routes)), key=lambda i: (-len(gw.routes[i].path.rstrip("/")), i))
    for i in order:
        route = gw.routes[i]
        prefix = route.path.rstrip("/")
        regex = re.escape(prefix) if prefix else ""
        timeout, tries = edge_policy(plan, route.to)
        port = plan.service(route.to).port
        lines += [
            "",
            f"    # route {i}: {prefix or '/'} -> {route.to} (auth {route.auth}, "
            f"timeout {timeout} ms, {tries} tries)",
        ]
        lines.append(f"    location ~ ^{regex}(/|$) {{")
        if i in zones:
            lines += [
                f"        limit_req zone={zones[i]} burst={int(route.rate_limit or 1)} nodelay;",
                "        limit_req_status 429;",
            ]
        if route.auth != "none":
            mode = "jwt" if route.auth in JWT_AUTH else route.auth
            lines += [
                f"        auth_request /_auth/{mode};",
                "        auth_request_set $auth_subject $upstream_http_x_auth_subject;",
                "        auth_request_set $auth_method $upstream_http_x_auth_method;",
                "        proxy_set_header X-Auth-Subject $auth_subject;",
                "        proxy_set_header X-Auth-Method $auth_method;",
            ]
        else:
            lines += [
                '        proxy_set_header X-Auth-Subject "";',
                '        proxy_set_header X-Auth-Method "";',
            ]
        lines.append(f"        set $upstream_target {_target(route.to, port, dynamic_dns)};")
        if route.strip_prefix and prefix:
            lines.append(f"        rewrite ^{regex}/?(.*)$ /$1 break;")
        lines += [
            "        proxy_pass http://$upstream_target;",
            "        proxy_http_version 1.1;",
            '        proxy_set_header Connection "";',
            "        proxy_set_header Host $host;",
            "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "        proxy_set_header X-Real-IP $remote_addr;",
            "        proxy_set_header X-Forwarded-Proto $scheme;",
            f"        proxy_set_header X-Request-ID ${var}_request_id;",
            f"        proxy_connect_timeout {min(timeout, CONNECT_TIMEOUT_MS)}ms;",
            f"        proxy_send_timeout {timeout}ms;",
            f"        proxy_read_timeout {timeout}ms;",
            "        proxy_next_upstream error timeout http_502 http_503;",
            f"        proxy_next_upstream_tries {tries};",
            f"        proxy_next_upstream_timeout {timeout}ms;",
            "    }",
        ]
    lines += ["", "    location / { return 404; }", ""]
    for code, text in ERRORS.items():
        lines.append(
            f"    location @error{code} {{ default_type application/json; "
            f'return {code} \'{{"detail": "{text}", "status": {code}}}\'; }}'
        )
    lines += ["}", ""]
    return "\n".join(lines)


def upstream_check_command(plan: Plan, gw: Service) -> str:
    """Shell for the gateway container's health check: itself, then every upstream it routes to
    (ids are slugs and the port an int, so the string is safe)."""
    verifier = [v for v, g in plan.verifiers.items() if g == gw.id]
    targets = list(dict.fromkeys([r.to for r in gw.routes] + verifier))
    urls = [f"http://127.0.0.1:{int(gw.port)}/healthz"] + [
        f"http://127.0.0.1:{int(gw.port)}/_gateway/upstreams/{t}" for t in targets
    ]
    return " && ".join(f"wget -q -O /dev/null {u}" for u in urls)
