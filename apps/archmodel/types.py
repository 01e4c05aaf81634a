"""Typed, read-only view of a valid model, with every effective value resolved.

Effective value = the element's own, else the model's ``defaults``, else the built-in default.
Rules, diagrams and exporters read these objects only; ``Model.document`` stays the source of
truth for storage and dumping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INTERNAL_KINDS = frozenset({"service", "gateway", "worker"})
IDEMPOTENT_METHODS = frozenset({"GET", "PUT", "DELETE", "HEAD", "OPTIONS"})


@dataclass(slots=True)
class Element:
    id: str
    title: str | None
    description: str | None
    pointer: str  # JSON pointer of the element in the document

    @property
    def label(self) -> str:
        return self.title or self.id


@dataclass(slots=True)
class Domain(Element):
    pass


@dataclass(slots=True)
class Team(Element):
    pass


@dataclass(slots=True)
class Library(Element):
    kind: str = "technical"


@dataclass(slots=True)
class Operation:
    method: str | None
    path: str | None
    name: str | None
    idempotent: bool

    @property
    def key(self) -> str:
        """How a call names it: "METHOD path" for REST, else the name."""
        return f"{self.method} {self.path}" if self.method else (self.name or "")


@dataclass(slots=True)
class Api(Element):
    service: str = ""
    style: str = "rest"
    version: str | None = None
    public: bool = False
    auth: str = "none"
    operations: list[Operation] = field(default_factory=list)

    def operation(self, key: str) -> Operation | None:
        norm = " ".join(key.split())
        for op in self.operations:
            if op.key == norm or (op.method and f"{op.method} {op.path}".upper() == norm.upper()):
                return op
        return None


@dataclass(slots=True)
class Retries:
    max: int = 0
    backoff_ms: int | None = None
    jitter: bool = False


@dataclass(slots=True)
class CircuitBreaker:
    failure_threshold: int = 5
    reset_timeout_ms: int = 30_000


@dataclass(slots=True)
class Call:
    """A synchronous call from ``source`` (a service or actor id) to service ``to``."""

    source: str
    to: str
    pointer: str
    api: str | None = None
    operation: str | None = None
    protocol: str = "http"
    timeout_ms: int | None = None
    retries: Retries = field(default_factory=Retries)
    circuit_breaker: CircuitBreaker | None = None
    fallback: str | None = None
    discovery: str = "dns"
    tls: bool | str = False
    auth: str = "none"

    @property
    def edge(self) -> str:
        return f"{self.source}->{self.to}"


@dataclass(slots=True)
class Replicas:
    min: int = 1
    max: int = 1
    cpu_target: int | None = None

    @property
    def autoscaled(self) -> bool:
        return self.max > self.min


@dataclass(slots=True)
class Health:
    liveness: str | None
    readiness: str | None


@dataclass(slots=True)
class Observability:
    logging: str | None = None  # None = not configured
    metrics: bool | None = None
    tracing: bool | None = None


@dataclass(slots=True)
class Deploy:
    container: str
    strategy: str = "rolling"
    cpu: str | None = None
    memory: str | None = None


@dataclass(slots=True)
class Publish:
    event: str
    outbox: bool = False
    pointer: str = ""


@dataclass(slots=True)
class Subscribe:
    event: str
    group: str | None = None
    idempotent: bool = False
    pointer: str = ""


@dataclass(slots=True)
class DataAccess:
    store: str
    access: str = "read-write"
    pointer: str = ""

    @property
    def writes(self) -> bool:
        return self.access != "read"


@dataclass(slots=True)
class Route:
    gateway: str
    path: str
    to: str
    pointer: str
    api: str | None = None
    auth: str = "none"
    rate_limit: int | None = None
    strip_prefix: bool = False


@dataclass(slots=True)
class Slo:
    """Effective service level of one instance: percent availability, own p99 latency (ms)."""

    availability: float
    latency_ms: float


@dataclass(slots=True)
class Service(Element):
    kind: str = "service"
    domain: str | None = None
    team: str | None = None
    runtime: str = "python"
    port: int = 8080
    replicas: Replicas = field(default_factory=Replicas)
    stateful: bool = False
    health: Health | None = None
    observability: Observability = field(default_factory=Observability)
    deploy: Deploy = field(default_factory=lambda: Deploy(container=""))
    uses: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    apis: list[Api] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    publishes: list[Publish] = field(default_factory=list)
    subscribes: list[Subscribe] = field(default_factory=list)
    data: list[DataAccess] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    slo: Slo = field(default_factory=lambda: Slo(99.9, 20))

    @property
    def internal(self) -> bool:
        return self.kind in INTERNAL_KINDS


@dataclass(slots=True)
class Actor(Element):
    kind: str = "person"
    calls: list[Call] = field(default_factory=list)


@dataclass(slots=True)
class Datastore(Element):
    kind: str = "other"
    owner: str | None = None
    replicas: int = 1
    slo: Slo = field(default_factory=lambda: Slo(99.95, 5))


@dataclass(slots=True)
class Broker(Element):
    kind: str = "other"
    role: str = "broker"
    replicas: int = 1
    slo: Slo = field(default_factory=lambda: Slo(99.95, 5))


@dataclass(slots=True)
class Event(Element):
    broker: str = ""
    channel: str = ""
    delivery: str = "at-least-once"
    schema: Any = None


@dataclass(slots=True)
class SagaStep:
    service: str
    action: str | None = None
    compensation: str | None = None


@dataclass(slots=True)
class Saga(Element):
    coordination: str = "none"
    steps: list[SagaStep] = field(default_factory=list)


@dataclass(slots=True)
class JourneyTarget:
    availability: float | None = None  # percent
    latency_ms: float | None = None


@dataclass(slots=True)
class Journey(Element):
    """A user journey (ANALYSIS.md): from ``entry``, optionally one gateway ``route``, following
    only the ``calls`` edges ("a->b") when given; ``target`` is its budget, as written."""

    entry: str = ""
    route: str | None = None
    calls: list[str] | None = None
    target: JourneyTarget | None = None


@dataclass(slots=True)
class Validation:
    disable: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)


@dataclass(slots=True)
class Suppression:
    rule: str
    target: str
    reason: str
    expires: str | None
    pointer: str


@dataclass(slots=True)
class Model:
    """A valid ``workbench/v1`` model. Build one with ``apps.archmodel.load_model``."""

    name: str
    title: str | None
    description: str | None
    document: dict[str, Any]  # canonical data: what is stored and dumped
    domains: list[Domain] = field(default_factory=list)
    teams: list[Team] = field(default_factory=list)
    actors: list[Actor] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    datastores: list[Datastore] = field(default_factory=list)
    brokers: list[Broker] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    libraries: list[Library] = field(default_factory=list)
    sagas: list[Saga] = field(default_factory=list)
    validation: Validation = field(default_factory=Validation)
    suppressions: list[Suppression] = field(default_factory=list)
    journeys: list[Journey] = field(default_factory=list)  # declared ones only
    by_id: dict[str, Element] = field(default_factory=dict)
    lines: Any = None  # callable(pointer) -> (line, column) when loaded from a file

    @property
    def service_map(self) -> dict[str, Service]:
        return {s.id: s for s in self.services}

    @property
    def apis(self) -> list[Api]:
        return [a for s in self.services for a in s.apis]

    def kind_of(self, element_id: str) -> str | None:
        el = self.by_id.get(element_id)
        return _KIND_BY_TYPE.get(type(el)) if el is not None else None

    def line_of(self, pointer: str) -> int | None:
        """Line of ``pointer`` in the source file, when the model came from one."""
        if self.lines is None:
            return None
        return self.lines(pointer)[0]


_KIND_BY_TYPE: dict[type, str] = {
    Domain: "domain",
    Team: "team",
    Actor: "actor",
    Service: "service",
    Datastore: "datastore",
    Broker: "broker",
    Event: "event",
    Library: "library",
    Saga: "saga",
    Journey: "journey",
    Api: "api",
}
