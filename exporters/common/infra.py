"""What runs where: backing containers (datastores, brokers), their secrets, and each service's
environment. Compose and Kubernetes render the same plan, so the two targets cannot disagree
about a variable name, a port or a credential.

A value that contains a secret is a tuple of parts: literal strings and ``Secret`` references.
Compose renders a reference as ``${NAME:?...}`` (filled from ``.env``), Kubernetes as ``$(NAME)``
after an env entry read from the backing element's Secret. No secret value is ever generated
into the bundle: ``.env.example`` and the Secrets carry ``REPLACE_ME``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.archmodel.types import Call, Health, Model, Service

from .safe import SLUG, env_key

PLACEHOLDER = "REPLACE_ME"
EXPORTED_KINDS = ("service", "gateway", "worker")
JWT_AUTH = ("jwt", "oauth2")  # verified as JWTs against the issuer's JWKS
# Operator-supplied settings of the JWT verification (never generated, never defaulted).
JWT_SETTINGS = ("JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE")
API_KEYS_OWNER = "_api"  # not a slug, so it never clashes with a model id
GRAFANA_OWNER = "_grafana"
# The observability stack's containers / workloads (compose profile and Kubernetes component
# ``observability``); a model element with one of these ids would collide with it.
OBSERVABILITY_NAMES = ("otel-collector", "prometheus", "grafana", "jaeger", "loki", "alloy")
OTLP_ENDPOINT = "http://otel-collector:4318"  # OTLP over HTTP, as the skeleton contract says


@dataclass(frozen=True)
class Secret:
    """A reference to a secret environment variable (its value lives in .env / a Secret).

    ``owner`` is the datastore or broker whose Secret holds it; ``""`` for what the operator
    supplies (addresses of external systems, the JWT issuer's settings: never generated);
    ``API_KEYS_OWNER`` for the API keys the gateway and services accept.
    """

    name: str  # e.g. ORDERS_DB_PASSWORD
    owner: str
    key: str  # key inside that Secret

    @property
    def operator_supplied(self) -> bool:
        return not self.owner


API_KEYS = Secret("API_KEYS", API_KEYS_OWNER, "api-keys")
GRAFANA_ADMIN_PASSWORD = Secret("GRAFANA_ADMIN_PASSWORD", GRAFANA_OWNER, "admin-password")


Part = str | Secret
Value = tuple[Part, ...]


def literal(text: str) -> Value:
    return (text,)


def secrets_in(value: Value) -> list[Secret]:
    return [p for p in value if isinstance(p, Secret)]


@dataclass
class Backing:
    """A container the bundle runs for a datastore or a broker."""

    id: str
    kind: str
    role: str  # "datastore" | "broker"
    image: str
    port: int
    data_path: str
    env: dict[str, Value] = field(default_factory=dict)
    command: list[Value] = field(default_factory=list)  # args appended to the image's command
    healthcheck: list[str] = field(default_factory=list)  # exec form
    secrets: list[Secret] = field(default_factory=list)
    client_url: Value = ()  # what a client puts in its *_URL variable
    uid: int | None = None  # the image's own non-root user, when it has one
    modelled_replicas: int = 1
    # Least privilege for services that only read (``access: read``): a read-only role made by
    # an init script (``/docker-entrypoint-initdb.d``) with its own password.
    reader_url: Value = ()
    init_scripts: dict[str, bytes] = field(default_factory=dict)  # file name -> content


@dataclass
class Plan:
    """Everything the targets render, derived once from the model."""

    model: Model
    services: list[Service]  # exported (service, gateway, worker), in model order
    backings: dict[str, Backing]  # by datastore/broker id, in model order
    unmanaged: list[str]  # datastores/brokers of kind `other`: addresses come from .env
    # The token/API-key verifier run next to each gateway with authenticated routes
    # (``<gateway>-auth``, nginx asks it through auth_request): verifier id -> gateway id.
    verifiers: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Indexes built once: the targets ask these questions for every element, and a
        # 500-service model must not make each answer O(model).
        self._service_map = self.model.service_map
        self._add_verifiers()
        self._check_observability_names()
        events = {e.id: e for e in self.model.events}
        exported = {s.id for s in self.services}
        self._exported = exported
        self._stores: dict[str, list[str]] = {}
        self._brokers: dict[str, list[str]] = {}
        self._callees: dict[str, list[str]] = {}
        self._external: dict[str, list[str]] = {}
        self._callers: dict[str, list[str]] = {s.id: [] for s in self.services}
        self._users: dict[str, list[str]] = {}
        for svc in self.services:
            self._stores[svc.id] = list(dict.fromkeys(d.store for d in svc.data))
            ids = [p.event for p in svc.publishes] + [s.event for s in svc.subscribes]
            self._brokers[svc.id] = list(
                dict.fromkeys(events[e].broker for e in ids if e in events)
            )
            targets = [c.to for c in svc.calls] + [r.to for r in svc.routes]
            targets += [v for v, gw in self.verifiers.items() if gw == svc.id]
            self._callees[svc.id] = [
                t for t in dict.fromkeys(targets) if t in exported and t != svc.id
            ]
            self._external[svc.id] = [c.to for c in svc.calls if c.to not in exported]
            for callee in self._callees[svc.id]:
                self._callers[callee].append(svc.id)
            for backing in dict.fromkeys(self._stores[svc.id] + self._brokers[svc.id]):
                self._users.setdefault(backing, []).append(svc.id)
        self._calls_to: dict[str, list[Call]] = {}
        for caller in self.model.services:
            for call in caller.calls:
                self._calls_to.setdefault(call.to, []).append(call)

    def _add_verifiers(self) -> None:
        taken = set(self.model.by_id) | {s.id for s in self.services}
        for gw in [s for s in self.services if s.kind == "gateway"]:
            if not any(r.auth != "none" for r in gw.routes):
                continue
            vid = f"{gw.id}-auth"
            if vid in taken or not SLUG.fullmatch(vid):
                self.problems.append(
                    f"{gw.pointer}: the gateway's token verifier would be named '{vid}', which "
                    "is taken or too long; rename the gateway"
                )
                continue
            taken.add(vid)
            verifier = Service(
                id=vid,
                title=f"Token and API-key verifier of {gw.label}",
                description=None,
                pointer=gw.pointer,
                kind="service",
                runtime="python",
                port=8080,
                replicas=gw.replicas,
                health=Health("/healthz", "/readyz"),
            )
            self._service_map[vid] = verifier
            self.services.insert(self.services.index(gw) + 1, verifier)
            self.verifiers[vid] = gw.id

    def _check_observability_names(self) -> None:
        if not self.observed():
            return
        # what becomes a container / workload (events, APIs and the rest never do)
        taken = {
            e.id: e.pointer
            for e in [*self.model.services, *self.model.datastores, *self.model.brokers]
        }
        for name in OBSERVABILITY_NAMES:
            if name in taken:
                where = taken[name] or "/"
                self.problems.append(
                    f"{where}: '{name}' is the name of the bundle's observability stack "
                    "(the model asks for metrics, tracing or central logging); rename the element"
                )

    def observed(self) -> bool:
        """Some exported service asks for metrics, tracing or central logging: the bundle
        carries the observability stack (compose profile, Kubernetes component)."""
        return any(
            s.observability.metrics
            or s.observability.tracing
            or s.observability.logging == "central"
            for s in self.services
        )

    def metrics_services(self) -> list[Service]:
        """Exported services serving ``/metrics`` (the gateway's nginx does not)."""
        return [s for s in self.services if s.observability.metrics and s.kind != "gateway"]

    def traced_services(self) -> list[Service]:
        return [s for s in self.services if s.observability.tracing and s.kind != "gateway"]

    def service(self, service_id: str) -> Service:
        return self._service_map[service_id]

    def calls_to(self, service_id: str) -> list[Call]:
        """Every modelled call to ``service_id`` (from any service), in model order."""
        return self._calls_to.get(service_id, [])

    def call_defaults(self) -> dict[str, Any]:
        """The model's ``defaults.call`` as written (effective values are on each Call)."""
        defaults = self.model.document.get("defaults") or {}
        return dict(defaults.get("call") or {})

    def auth_kinds(self, svc: Service) -> set[str]:
        """How callers of ``svc`` are verified: its APIs' auth, or its gateway's routes'."""
        if svc.id in self.verifiers:
            gw = self.service(self.verifiers[svc.id])
            return {r.auth for r in gw.routes} - {"none"}
        return {a.auth for a in svc.apis} - {"none"}

    def reaches_internet(self, svc: Service) -> bool:
        """Needs HTTPS to the internet: external callees, `other` backings, the JWT issuer."""
        return bool(
            self.external_callees(svc)
            or any(b in self.unmanaged for b in self.datastores_of(svc) + self.brokers_of(svc))
            or self.auth_kinds(svc) & set(JWT_AUTH)
        )

    def datastores_of(self, svc: Service) -> list[str]:
        return self._stores[svc.id]

    def brokers_of(self, svc: Service) -> list[str]:
        return self._brokers[svc.id]

    def callees(self, svc: Service) -> list[str]:
        """Exported services ``svc`` calls or routes to (each once, in model order)."""
        return self._callees[svc.id]

    def external_callees(self, svc: Service) -> list[str]:
        return self._external[svc.id]

    def callers(self, service_id: str) -> list[str]:
        """Exported services that call or route to ``service_id``: exactly what the model says."""
        return self._callers.get(service_id, [])

    def users_of(self, backing_id: str) -> list[str]:
        return self._users.get(backing_id, [])

    def secrets(self) -> list[Secret]:
        """Secrets the bundle's scripts generate: backing credentials in use, the API keys."""
        out = [s for b in self.backings.values() if self.users_of(b.id) for s in b.secrets]
        if any("api-key" in self.auth_kinds(s) for s in self.services):
            out.append(API_KEYS)
        if self.observed():
            out.append(GRAFANA_ADMIN_PASSWORD)
        return out

    def env(self, svc: Service) -> dict[str, Value]:
        """The service's environment, in a stable order; every address comes from here."""
        env: dict[str, Value] = {
            "SERVICE_NAME": literal(svc.id),
            "SYSTEM_NAME": literal(self.model.name),
            "PORT": literal(str(svc.port)),
            "WORKBENCH_DEBUG_ENDPOINTS": literal("0"),
        }
        for store in self.datastores_of(svc):
            backing = self.backings.get(store)
            read_only = not any(d.writes for d in svc.data if d.store == store)
            if read_only and backing is not None and backing.reader_url:
                env[env_key("DATASTORE", store, "URL")] = backing.reader_url
            else:
                env[env_key("DATASTORE", store, "URL")] = self._url(store)
        for broker in self.brokers_of(svc):
            env[env_key("BROKER", broker, "URL")] = self._url(broker)
        for callee in self.callees(svc):
            env[env_key("SERVICE", callee, "URL")] = literal(
                f"http://{callee}:{self.service(callee).port}"
            )
        for ext in dict.fromkeys(self.external_callees(svc)):
            env[env_key("SERVICE", ext, "URL")] = (Secret(env_key("SERVICE", ext, "URL"), "", ""),)
        auth = self.auth_kinds(svc)
        if svc.id in self.verifiers:
            modes = {"jwt" if a in JWT_AUTH else a for a in auth}
            env["VERIFIER_MODES"] = literal(",".join(sorted(modes)))
        if auth & set(JWT_AUTH):
            for name in JWT_SETTINGS:
                env[name] = (Secret(name, "", ""),)
        if "api-key" in auth:
            env[API_KEYS.name] = (API_KEYS,)
        if svc.observability.tracing:
            env["OTEL_SERVICE_NAME"] = literal(svc.id)
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = literal(OTLP_ENDPOINT)
        return env

    def _url(self, element_id: str) -> Value:
        backing = self.backings.get(element_id)
        if backing is None:  # kind `other`: the operator supplies the address
            name = env_key("", element_id, "URL")
            return (Secret(name, "", ""),)
        return backing.client_url

    def external_vars(self) -> list[str]:
        """Variables the operator must supply (external services, `other` backings)."""
        names: dict[str, None] = {}
        for svc in self.services:
            for value in self.env(svc).values():
                for part in secrets_in(value):
                    if part.operator_supplied:
                        names[part.name] = None
        return list(names)


def plan(model: Model) -> Plan:
    from .backings import broker_backing, datastore_backing  # they build on this module's types

    services = [s for s in model.services if s.kind in EXPORTED_KINDS]
    backings: dict[str, Backing] = {}
    unmanaged: list[str] = []
    exported = [s for s in services]
    read_only = {
        d.store
        for s in exported
        for d in s.data
        if not any(o.writes for o in s.data if o.store == d.store)
    }
    for ds in model.datastores:
        b = datastore_backing(ds, readers=ds.id in read_only)
        if b:
            backings[ds.id] = b
        else:
            unmanaged.append(ds.id)
    for br in model.brokers:
        b = broker_backing(br)
        if b:
            backings[br.id] = b
        else:
            unmanaged.append(br.id)
    return Plan(model, services, backings, unmanaged)
