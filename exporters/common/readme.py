"""The bundle's README.md, .env.example and scripts/init-env.sh."""

from __future__ import annotations

from exporters.common.infra import PLACEHOLDER, Plan
from exporters.common.safe import markdown_text

INIT_ENV = r"""#!/bin/sh
# Writes .env from .env.example and kubernetes/base/secrets/<name>.env from each
# <name>.env.example: every secret (REPLACE_ME) gets a fresh random value (48 hex characters:
# URL-safe, so it can sit inside connection URLs). Every other line is copied as it is:
# addresses and the JWT issuer's settings are yours to fill in, and neither Compose nor
# scripts/check-env.sh lets the bundle start while one is empty. Never overwrites a file.
set -eu
cd "$(dirname "$0")/.."
umask 077
for example in .env.example kubernetes/base/secrets/*.env.example; do
  [ -e "$example" ] || continue
  target="${example%.example}"
  if [ -e "$target" ]; then
    echo "$target already exists; left as it is (remove it to regenerate)" >&2
    continue
  fi
  while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
      '#'*) printf '%s\n' "$line" ;;
      *=REPLACE_ME) printf '%s=%s\n' "${line%%=*}" "$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" ;;
      *) printf '%s\n' "$line" ;;
    esac
  done < "$example" > "$target"
  echo "wrote $target (keep it out of version control)"
  missing=$(grep -E '^[^#=]+=$' "$target" | cut -d= -f1 || true)
  if [ -n "$missing" ]; then
    echo "set these in $target (addresses and settings only you know):" >&2
    echo "$missing" | sed 's/^/  /' >&2
  fi
done
# Compose reads the generated secrets from files, not from the environment:
# secrets/<name>.txt (ORDERS_DB_PASSWORD -> secrets/orders-db-password.txt), the value in .env.
# The directory is private; the files are readable so the containers' own users can read them.
if [ -e compose.yaml ] && [ -e .env ]; then
  mkdir -p secrets
  chmod 700 secrets
  for key in $(grep -E '^[^#=]+=REPLACE_ME$' .env.example | cut -d= -f1); do
    file="secrets/$(printf '%s' "$key" | tr 'A-Z_' 'a-z-').txt"
    if [ -e "$file" ]; then
      echo "$file already exists; left as it is" >&2
      continue
    fi
    grep -E "^$key=" .env | tail -n 1 | cut -d= -f2- | tr -d '\n' > "$file"
    chmod 644 "$file"
    echo "wrote $file"
  done
fi
"""

CHECK_ENV = r"""#!/bin/sh
# Refuses to go on while a secret or setting is missing, a placeholder or empty:
#   scripts/check-env.sh compose      # .env
#   scripts/check-env.sh kubernetes   # kubernetes/base/secrets/*.env
# e.g. scripts/check-env.sh kubernetes && kubectl apply -k kubernetes/overlays/prod
set -eu
cd "$(dirname "$0")/.."
case "${1:-compose}" in
  compose) examples=".env.example" ;;
  kubernetes) examples=$(ls kubernetes/base/secrets/*.env.example 2>/dev/null || true) ;;
  *) echo "usage: $0 compose|kubernetes" >&2; exit 2 ;;
esac
status=0
for example in $examples; do
  target="${example%.example}"
  if [ ! -e "$target" ]; then
    echo "$target is missing: run scripts/init-env.sh" >&2
    status=1
    continue
  fi
  for key in $(grep -E '^[^#=]+=' "$example" | cut -d= -f1); do
    value=$(grep -E "^$key=" "$target" | tail -n 1 | cut -d= -f2- || true)
    if [ -z "$value" ] || [ "$value" = REPLACE_ME ]; then
      echo "$target: $key is not set" >&2
      status=1
    fi
  done
done
if [ "${1:-compose}" = compose ] && [ -e compose.yaml ]; then
  for key in $(grep -E '^[^#=]+=REPLACE_ME$' .env.example | cut -d= -f1); do
    file="secrets/$(printf '%s' "$key" | tr 'A-Z_' 'a-z-').txt"
    if [ ! -s "$file" ] || [ "$(cat "$file")" = REPLACE_ME ]; then
      echo "$file is missing or a placeholder: run scripts/init-env.sh" >&2
      status=1
    fi
  done
fi
[ "$status" -eq 0 ] && echo "every secret and setting is set"
exit "$status"
"""

GITIGNORE = """# Generated secrets: never commit them.
.env
secrets/
kubernetes/base/secrets/*.env
"""


def env_example(plan: Plan) -> str:
    lines = [
        f"# Secrets and operator-supplied settings for '{plan.model.name}'.",
        "# scripts/init-env.sh copies this to .env with a random value for every REPLACE_ME;",
        "# use URL-safe values if you set them yourself. Compose reads them from secrets/<name>.txt",
        "# (init-env.sh writes those from .env), Kubernetes from kubernetes/base/secrets/*.env.",
    ]
    for secret in plan.secrets():
        lines.append(f"{secret.name}={PLACEHOLDER}")
    external = plan.external_vars()
    if external:
        lines.append(
            "# Set by you (never generated; Compose refuses to start while one is empty): addresses"
        )
        lines.append("# of external systems and unmanaged datastores/brokers, the JWT issuer's")
        lines.append("# JWKS URL, issuer and audience.")
        lines += [f"{name}=" for name in external]
    return "\n".join(lines) + "\n"


def observability_section(plan: Plan, targets: list[str]) -> list[str]:
    """How to start the observability stack and open each UI (only when the model asks)."""
    name = plan.model.name
    metrics = [s.id for s in plan.metrics_services()]
    example = metrics[0] if metrics else plan.services[0].id if plan.services else "<service>"
    out = [
        "## Observability",
        "",
        "The model asks for metrics, tracing or central logs, so the bundle carries a stack to "
        "watch it: an OpenTelemetry collector (OTLP in; traces to Jaeger, logs to Loki), "
        "Prometheus, Grafana, Jaeger, Loki and Alloy (ships every container's stdout to Loki).",
        "",
    ]
    if "compose" in targets:
        out += [
            "```sh",
            "docker compose --profile observability up --build -d",
            "```",
            "",
            "| UI | Where |",
            "| --- | --- |",
            "| Grafana | http://127.0.0.1:3000/ as `admin`, password in "
            "`secrets/grafana-admin-password.txt` (written by `scripts/init-env.sh`); "
            "dashboards in the folder *Services* |",
            "| Prometheus | http://127.0.0.1:9090/targets: every service with metrics and the "
            "collector |",
            "| Jaeger | http://127.0.0.1:16686/search: pick a service, find its traces |",
            f'| Loki | in Grafana, *Explore* → *Loki*: `{{service="{example}"}}`; a JSON line\'s '
            "`trace_id` links to its trace |",
            "",
            "The UIs listen on 127.0.0.1 only. Without `--profile observability` the services run "
            "alone: traced services still point `OTEL_EXPORTER_OTLP_ENDPOINT` at "
            "`otel-collector:4318` and their spans are dropped. Alloy reads Docker's API through "
            "`/var/run/docker.sock` (mounted read-only, but the API itself is root's: run the "
            "profile on a development machine, not on a shared host).",
            "",
        ]
    if metrics:
        out += [
            "Grafana has one dashboard per service with metrics ("
            + ", ".join(f"`{m}`" for m in metrics)
            + "): request rate, error rate and duration (p50, p95, p99) per route, outgoing "
            "calls by outcome, circuit-breaker state and events (short-circuited calls, "
            "fallbacks), events published and consumed, and the service's logs.",
            "",
        ]
    if "kubernetes" in targets:
        out += [
            "On Kubernetes, `kubernetes/overlays/observability` is the dev overlay plus the "
            "component `kubernetes/components/observability` (storage is `emptyDir`: for "
            "trying, not for keeping data):",
            "",
            "```sh",
            "scripts/check-env.sh kubernetes && kubectl apply -k kubernetes/overlays/observability",
            f"kubectl -n {name}-dev port-forward svc/grafana 3000:3000      # then http://127.0.0.1:3000/",
            f"kubectl -n {name}-dev port-forward svc/prometheus 9090:9090   # /targets",
            f"kubectl -n {name}-dev port-forward svc/jaeger 16686:16686     # /search",
            "```",
            "",
            "Grafana's password is `admin-password` in `kubernetes/base/secrets/grafana-admin.env`. "
            "To add the stack to another overlay, list `../../components/observability` under its "
            "`components:`. Pods of services with metrics carry `prometheus.io/scrape`, `port` "
            "and `path` annotations, which the bundled Prometheus (and most cluster Prometheus "
            "setups) discover.",
            "",
        ]
        if metrics:
            out += [
                "With the Prometheus Operator instead, add `../../components/servicemonitor` to "
                "an overlay's `components:`: a ServiceMonitor for those services and a "
                "NetworkPolicy admitting scrapes from the `monitoring` namespace (add the label "
                "your operator's `serviceMonitorSelector` expects).",
                "",
            ]
    return out


def readme(plan: Plan, targets: list[str]) -> str:
    model = plan.model
    title = markdown_text(model.title or model.name)
    out = [
        f"# {title}: generated deployment bundle",
        "",
        f"Generated by the Architecture Workbench from the model `{model.name}`. Everything here "
        "is derived from the model; regenerate rather than edit where you can.",
        "",
    ]
    out += [
        "## Files",
        "",
        "| Path | What it is |",
        "| --- | --- |",
        "| `README.md` | this file |",
        "| `.env.example` | every secret (`REPLACE_ME`) and operator-supplied setting (empty) |",
        "| `scripts/init-env.sh` | writes `.env`, `secrets/*.txt` (Compose secrets) and "
        "`kubernetes/base/secrets/*.env` with random secrets; never touches an address |",
        "| `scripts/check-env.sh` | refuses while a secret or setting is a placeholder or empty |",
        "| `.gitignore` | keeps the generated secret files out of git |",
    ]
    for svc in plan.services:
        what = (
            "nginx gateway configured from the modelled routes"
            if svc.kind == "gateway"
            else "verifier the gateway asks before an authenticated route (JWT, API key)"
            if svc.id in plan.verifiers
            else f"{svc.runtime} {svc.kind} skeleton"
        )
        out.append(
            f"| `services/{svc.id}/` | {markdown_text(svc.label)}: {what}, with its Dockerfile |"
        )
    if "compose" in targets:
        out.append(
            "| `compose.yaml` | Docker Compose project: services, datastores, brokers, gateway |"
        )
    if "kubernetes" in targets:
        out += [
            "| `kubernetes/base/` | kustomize base, one kustomization per directory: namespace, "
            "workloads, network policies, secrets generated from `secrets/*.env` |",
            "| `kubernetes/overlays/dev/` | dev namespace, one replica, `:dev` images |",
            "| `kubernetes/overlays/prod/` | prod namespace, registry images to fill in |",
            "| `kubernetes/overlays/prod-parts/<nn>/` | the same prod overlay split into roots "
            "applied one by one (`00`: all but the services; then 50 services each): for large "
            "systems |",
            "| `kubernetes/overlays/prod-mesh/` | prod with Linkerd mTLS (when the model asks "
            "for mutual TLS) |",
        ]
    if plan.observed():
        out.append(
            "| `observability/` | the observability profile's configs: OpenTelemetry collector, "
            "Prometheus scrape config, Grafana data sources and dashboards, Loki, Alloy |"
        )
        if "kubernetes" in targets:
            out += [
                "| `kubernetes/components/observability/` | the same stack for Kubernetes "
                "(kustomize component) |",
                "| `kubernetes/overlays/observability/` | dev plus the observability component |",
            ]
            if plan.metrics_services():
                out.append(
                    "| `kubernetes/components/servicemonitor/` | optional: a ServiceMonitor for a "
                    "cluster's Prometheus Operator |"
                )
    out += [
        "",
        "## Run with Docker Compose",
        "",
        "```sh",
        "scripts/init-env.sh          # once: .env and secrets/*.txt with random secrets",
        "$EDITOR .env                 # set the addresses and JWT settings it lists",
        "scripts/check-env.sh compose",
        "docker compose up --build -d",
        "docker compose ps            # wait until every service is healthy",
        "```",
        "",
    ]
    gateways = [s for s in plan.services if s.kind == "gateway"]
    if gateways:
        out.append(
            "Only the gateway publishes a port: "
            + ", ".join(f"`{g.id}` on http://localhost:{8080 + i}/" for i, g in enumerate(gateways))
            + "."
        )
        out.append("")
    if plan.observed():
        out += observability_section(plan, targets)
    out += [
        "## Run on Kubernetes",
        "",
        "```sh",
        "scripts/init-env.sh          # writes kubernetes/base/secrets/*.env (random secrets)",
        "$EDITOR kubernetes/base/secrets/external-endpoints.env   # if it lists settings to set",
        "scripts/check-env.sh kubernetes && kubectl apply -k kubernetes/overlays/dev",
        "```",
        "",
        "Secrets come from kustomize `secretGenerator`s reading `kubernetes/base/secrets/*.env`, "
        "which are not part of the bundle (replace them with an External Secrets Operator "
        "`ExternalSecret` if you keep secrets in a store). Images are referenced as "
        "`<system>-<service>`; build and push them, then set the registry in each "
        "`kubernetes/overlays/prod/services/<id>/kustomization.yaml`. The Ingress expects an "
        "ingress-nginx controller in the `ingress-nginx` namespace and cert-manager: set your "
        "host and ClusterIssuer in the gateway's `ingress.yaml` (`*.example.com` and "
        "`letsencrypt` are placeholders).",
        "",
        "Where the model asks for mutual TLS (`tls: mtls` calls, `auth: mtls` APIs), plain "
        "overlays serve plain HTTP inside the cluster: apply `kubernetes/overlays/prod-mesh` "
        "instead, with Linkerd installed, for automatic mTLS between every pod.",
        "",
        "Large systems: one `kubectl kustomize` of `overlays/prod` grows faster than the number "
        "of objects (minutes at 500 services). `overlays/prod-parts/<nn>/` hold the same objects "
        "in several small roots (`00` first: namespace, policies, secrets, datastores, brokers; "
        "then 50 services per part; every part carries the identical Secrets so the hashed names "
        "resolve), each built and applied on its own:",
        "",
        "```sh",
        'for part in kubernetes/overlays/prod-parts/*/; do kubectl apply -k "$part"; done',
        "```",
        "",
        "## Network policy",
        "",
        "A default-deny policy blocks all traffic; DNS egress is allowed for every pod. Each "
        "service then admits **only** the callers the model declares (calls and gateway routes) "
        "on its port, and may reach only its modelled callees, datastores and brokers. Services "
        "with calls to external systems may reach the internet on port 443 (private ranges "
        "excluded). Add a call to the model and re-export to open a path. Services that only "
        "read another service's PostgreSQL/MySQL database (`access: read`) connect as a "
        "read-only role, made by the datastore's init script on first start.",
        "",
        "## The service skeletons",
        "",
        "Every service gets a skeleton in its modelled runtime that keeps one contract "
        "(the workbench's docs/skeletons.md): `/healthz` (alive), `/readyz` (ready only when "
        "every modelled datastore and broker answers), a stub per modelled operation, outbound "
        "calls with the modelled timeout, retries (exponential backoff, jitter), circuit "
        "breaker and fallback, and the modelled events published and consumed on the modelled "
        "broker. Python services are FastAPI apps (`python -m app`); Node.js services Fastify "
        "apps (`node server.js`, installed by `npm ci` from their `package-lock.json`); Go "
        "services `net/http` programs; Java services Spring Boot apps with Resilience4j; .NET "
        "services minimal APIs with Polly. gRPC and GraphQL operations are served as HTTP/JSON "
        "stand-ins.",
        "",
        "They are watched as each service's `observability` asks: `/metrics` (Prometheus), "
        "OpenTelemetry traces (W3C `traceparent` on calls and inside events; exported over "
        "OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set) and JSON log lines with trace, "
        "span and request ids (`X-Request-ID`, kept from the client by the gateway or made "
        "there). Events are CloudEvents envelopes; `outbox: true` stores them in "
        "`workbench_outbox` and a relay publishes them when the broker is up; idempotent "
        "consumers skip event ids already in `workbench_processed`; a message failing 5 "
        "deliveries (`DEAD_LETTER_AFTER`) goes to `<channel>.dead-letter`. Those tables come "
        "from `services/<id>/migrations/`, applied by `migrate.sh` before the service starts "
        "(compose: the one-shot `<id>-migrate`; Kubernetes: the init container `migrate`); "
        "add your own as `0100_*.sql` and up.",
        "",
        "The gateway asks its verifier before every route with `auth`: a JWT's signature against "
        "`JWT_JWKS_URL`, its issuer (`JWT_ISSUER`), audience (`JWT_AUDIENCE`) and expiry, or an "
        "`X-API-Key` against `API_KEYS`; anything else is 401 (and a verifier that is down is "
        "500: fail closed). The verified subject reaches the service as `X-Auth-Subject`. "
        "Python services with `auth: jwt` APIs verify the token again themselves and forward it "
        "on calls modelled with `auth: jwt`. The gateway re-resolves service names every 5 s, "
        "times out at the modelled call timeouts (30 s at most), limits rates per client "
        "address (`X-Forwarded-For` trusted from private ranges only) before authentication, "
        "and answers 404 for the services' internal endpoints (`/docs`, `/openapi.json`, "
        "health, debug).",
        "",
    ]
    if any(svc.runtime == "go" and svc.kind != "gateway" for svc in plan.services):
        out += [
            "Go services: `go.mod` pins the module versions; the Dockerfile makes `go.sum` with `go mod "
            "tidy` (every module checked against sum.golang.org), so the build needs the Go "
            "module proxy: commit the `go.sum` of your first build.",
            "",
        ]
    if any(svc.runtime in ("java", "dotnet") and svc.kind != "gateway" for svc in plan.services):
        out += [
            "Java and .NET services: the workbench checks their sources parse and every "
            "dependency version is exact, but could not compile them (Maven Central and NuGet "
            "were out of its reach): the first `docker compose build` is their first compile. "
            "For .NET, run `dotnet restore` once in `services/<id>/` and commit the "
            "`packages.lock.json` it writes; the image then restores in locked mode.",
            "",
        ]
    out += [
        "Set `WORKBENCH_DEBUG_ENDPOINTS=1` (never in production) to enable `/_events/received`, "
        "`/_events/publish/<event>`, `/_events/fail/<event>` and `/_calls/<target>` for smoke "
        "tests.",
        "",
        "## Caveats",
        "",
        "- Datastores and brokers run as single-instance StatefulSets/containers; the modelled "
        "replica counts are recorded as annotations. Use an operator or a managed service in "
        "production.",
        "- Image tags are pinned to patch versions, not digests.",
        "",
    ]
    if plan.unmanaged:
        out.append(
            "- Not run by this bundle (kind `other`): "
            + ", ".join(f"`{u}`" for u in plan.unmanaged)
            + "; set their addresses in `.env`."
        )
        out.append("")
    return "\n".join(out)
