"""The ``workbench/v1`` format as data: one description drives validation, the canonical key
order, the shorthands and the published JSON Schema, so the three can never disagree.

A field type is one of the small classes below. ``Obj`` lists its fields in canonical order;
``shorthand`` names the field a bare scalar stands for (``- payments`` == ``{to: payments}``).
Every object accepts ``x-*`` keys, kept verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class T:
    """A field type."""

    description = ""


@dataclass
class Str(T):
    max_length: int = 10_000
    description: str = ""


@dataclass
class Slug(T):
    """An id (or a reference to one). ``ref`` names the element kinds a reference may point to."""

    ref: tuple[str, ...] = ()
    description: str = ""


@dataclass
class Int(T):
    minimum: int | None = 0
    maximum: int | None = None
    description: str = ""


@dataclass
class Num(T):
    minimum: float | None = None
    description: str = ""


@dataclass
class Bool(T):
    description: str = ""


@dataclass
class Enum(T):
    values: tuple[Any, ...] = ()
    description: str = ""


@dataclass
class Date(T):
    description: str = "a date, YYYY-MM-DD"


@dataclass
class AnyJSON(T):
    """Free-form JSON data (an event's JSON Schema)."""

    description: str = ""


@dataclass
class ListOf(T):
    item: T = field(default_factory=Str)
    description: str = ""


@dataclass
class MapOf(T):
    value: T = field(default_factory=Str)
    description: str = ""


@dataclass
class OneOf(T):
    """The first option whose JSON type matches is the one validated."""

    options: tuple[T, ...] = ()
    description: str = ""


@dataclass
class Field:
    name: str
    type: T
    required: bool = False
    default: Any = None  # built-in default, documentation and JSON Schema only
    description: str = ""


@dataclass
class Obj(T):
    name: str = ""
    fields: tuple[Field, ...] = ()
    shorthand: str | None = None  # the field a bare scalar stands for
    description: str = ""

    def __post_init__(self) -> None:
        self.by_name = {f.name: f for f in self.fields}
        self.order = {f.name: i for i, f in enumerate(self.fields)}


def _f(
    name: str, type_: T, required: bool = False, default: Any = None, description: str = ""
) -> Field:
    return Field(name, type_, required, default, description)


ID = Slug(description="lowercase slug, unique across the whole model")
TITLE = Str(max_length=200)
TEXT = Str(max_length=10_000)

CALL_PROPERTIES = (
    _f(
        "protocol",
        Enum(("http", "grpc", "graphql")),
        description="default: from the api's style, else http",
    ),
    _f("timeout_ms", Int(minimum=1), description="absent = no timeout"),
    _f(
        "retries",
        OneOf(
            (
                Int(minimum=0),
                Obj(
                    "retries",
                    (
                        _f("max", Int(minimum=0), required=True),
                        _f("backoff_ms", Int(minimum=0)),
                        _f("jitter", Bool()),
                    ),
                    shorthand="max",
                ),
            )
        ),
        description="an int n is {max: n}; absent = 0",
    ),
    _f(
        "circuit_breaker",
        OneOf(
            (
                Bool(),
                Obj(
                    "circuit-breaker",
                    (
                        _f("failure_threshold", Int(minimum=1)),
                        _f("reset_timeout_ms", Int(minimum=1)),
                    ),
                ),
            )
        ),
        description="absent = none",
    ),
    _f("fallback", Str(max_length=500), description="free text; absent = none"),
    _f("discovery", Enum(("dns", "registry", "mesh", "static")), default="dns"),
    _f("tls", OneOf((Bool(), Enum(("mtls",)))), default=False),
    _f("auth", Enum(("jwt", "mtls", "api-key", "none")), default="none"),
)

CALL = Obj(
    "call",
    (
        _f("to", Slug(ref=("service",)), required=True, description="service id"),
        _f("api", Slug(ref=("api",)), description="api id of that service"),
        _f("operation", Str(max_length=500), description='"METHOD path" or name'),
        *CALL_PROPERTIES,
    ),
    shorthand="to",
)

OPERATION = Obj(
    "operation",
    (
        _f("method", Enum(HTTP_METHODS)),
        _f("path", Str(max_length=500)),
        _f("name", Str(max_length=200)),
        _f(
            "idempotent", Bool(), description="default: true for GET, PUT, DELETE, HEAD; else false"
        ),
    ),
)

API = Obj(
    "api",
    (
        _f("id", ID, required=True),
        _f("title", TITLE),
        _f("description", TEXT),
        _f("style", Enum(("rest", "grpc", "graphql")), default="rest"),
        _f("version", Str(max_length=50)),
        _f("public", Bool(), default=False),
        _f("auth", Enum(("jwt", "oauth2", "api-key", "mtls", "none")), default="none"),
        _f("operations", ListOf(OPERATION)),
    ),
)

REPLICAS = OneOf(
    (
        Int(minimum=0),
        Obj(
            "replicas",
            (
                _f("min", Int(minimum=0), required=True),
                _f("max", Int(minimum=0)),
                _f("cpu_target", Int(minimum=1, maximum=100)),
            ),
        ),
    )
)
HEALTH = OneOf(
    (
        Bool(),
        Obj("health", (_f("liveness", Str(max_length=500)), _f("readiness", Str(max_length=500)))),
    )
)
OBSERVABILITY = Obj(
    "observability",
    (
        _f("logging", Enum(("central", "local", "none"))),
        _f("metrics", Bool()),
        _f("tracing", Bool()),
    ),
)
DEPLOY = Obj(
    "deploy",
    (
        _f("container", Str(max_length=63)),
        _f("strategy", Enum(("rolling", "blue-green", "canary"))),
        _f(
            "resources",
            Obj("resources", (_f("cpu", Str(max_length=20)), _f("memory", Str(max_length=20)))),
        ),
    ),
)
ROUTE = Obj(
    "route",
    (
        _f("path", Str(max_length=500), required=True),
        _f("to", Slug(ref=("service",)), required=True),
        _f("api", Slug(ref=("api",))),
        _f("auth", Enum(("jwt", "oauth2", "api-key", "none")), default="none"),
        _f("rate_limit", Int(minimum=1), description="requests per second per client"),
        _f("strip_prefix", Bool(), default=False),
    ),
)

SERVICE_PROPERTIES = (
    _f("runtime", Enum(("python", "node", "java", "go", "dotnet", "other")), default="python"),
    _f("port", Int(minimum=1, maximum=65535), default=8080),
    _f("replicas", REPLICAS, default=1),
    _f("stateful", Bool(), default=False),
    _f("health", HEALTH, description="true = both at /healthz; false or absent = none"),
    _f("observability", OBSERVABILITY),
    _f("deploy", DEPLOY),
)

SERVICE = Obj(
    "service",
    (
        _f("id", ID, required=True),
        _f("title", TITLE),
        _f("description", TEXT),
        _f(
            "kind",
            Enum(("service", "gateway", "frontend", "worker", "external")),
            default="service",
        ),
        _f("domain", Slug(ref=("domain",))),
        _f("team", Slug(ref=("team",))),
        *SERVICE_PROPERTIES,
        _f("uses", ListOf(Slug(ref=("library",)))),
        _f("tags", ListOf(Str(max_length=100))),
        _f("apis", ListOf(API)),
        _f("calls", ListOf(CALL)),
        _f(
            "publishes",
            ListOf(
                Obj(
                    "publish",
                    (
                        _f("event", Slug(ref=("event",)), required=True),
                        _f("outbox", Bool(), default=False),
                    ),
                    shorthand="event",
                )
            ),
        ),
        _f(
            "subscribes",
            ListOf(
                Obj(
                    "subscribe",
                    (
                        _f("event", Slug(ref=("event",)), required=True),
                        _f("group", Str(max_length=200)),
                        _f("idempotent", Bool(), default=False),
                    ),
                    shorthand="event",
                )
            ),
        ),
        _f(
            "data",
            ListOf(
                Obj(
                    "data-access",
                    (
                        _f("store", Slug(ref=("datastore",)), required=True),
                        _f("access", Enum(("read", "write", "read-write")), default="read-write"),
                    ),
                    shorthand="store",
                )
            ),
        ),
        _f("routes", ListOf(ROUTE), description="only for kind: gateway"),
    ),
)


def _simple(name: str, *extra: Field) -> Obj:
    return Obj(
        name, (_f("id", ID, required=True), _f("title", TITLE), _f("description", TEXT), *extra)
    )


DOMAIN = _simple("domain")
TEAM = _simple("team")
ACTOR = _simple(
    "actor",
    _f("kind", Enum(("person", "system")), default="person"),
    _f("calls", ListOf(CALL), description="ids of services; shorthand for {to: id}"),
)
LIBRARY = _simple("library", _f("kind", Enum(("business", "technical")), default="technical"))
DATASTORE = _simple(
    "datastore",
    _f(
        "kind",
        Enum(
            (
                "postgres",
                "mysql",
                "mariadb",
                "mongodb",
                "redis",
                "cassandra",
                "elasticsearch",
                "other",
            )
        ),
        required=True,
    ),
    _f("owner", Slug(ref=("service",)), description="the one service that owns the schema"),
    _f("replicas", Int(minimum=0), default=1),
)
BROKER = _simple(
    "broker",
    _f("kind", Enum(("kafka", "rabbitmq", "nats", "redis", "other")), required=True),
    _f("role", Enum(("broker", "esb")), default="broker"),
    _f("replicas", Int(minimum=0), default=1),
)
EVENT = _simple(
    "event",
    _f("broker", Slug(ref=("broker",)), required=True),
    _f("channel", Str(max_length=249), description="topic / queue / subject (default: the id)"),
    _f(
        "delivery", Enum(("at-most-once", "at-least-once", "exactly-once")), default="at-least-once"
    ),
    _f("schema", AnyJSON(description="a JSON Schema of the payload")),
)
SAGA = _simple(
    "saga",
    _f("coordination", Enum(("orchestration", "choreography", "2pc", "none")), default="none"),
    _f(
        "steps",
        ListOf(
            Obj(
                "saga-step",
                (
                    _f("service", Slug(ref=("service",)), required=True),
                    _f("action", Str(max_length=200)),
                    _f("compensation", Str(max_length=200)),
                ),
            )
        ),
    ),
)
VALIDATION = Obj(
    "validation",
    (
        _f("disable", ListOf(Slug(description="a rule id"))),
        _f("severity", MapOf(Enum(("error", "warning", "info")))),
        _f("thresholds", MapOf(MapOf(Num()))),
    ),
)
SUPPRESSION = Obj(
    "suppression",
    (
        _f("rule", Slug(description="a rule id"), required=True),
        _f(
            "target",
            Str(max_length=300),
            required=True,
            description='an element id, or a call "from->to"',
        ),
        _f("reason", Str(max_length=2000), required=True),
        _f("expires", Date()),
    ),
)
DEFAULTS = Obj(
    "defaults",
    (
        _f("call", Obj("call-defaults", CALL_PROPERTIES)),
        _f("service", Obj("service-defaults", SERVICE_PROPERTIES)),
    ),
)

MODEL = Obj(
    "model",
    (
        _f("apiVersion", Enum(("workbench/v1",)), required=True),
        _f(
            "name",
            Slug(description="becomes the compose project / Kubernetes namespace"),
            required=True,
        ),
        _f("title", TITLE),
        _f("description", TEXT),
        _f("defaults", DEFAULTS),
        _f("domains", ListOf(DOMAIN)),
        _f("teams", ListOf(TEAM)),
        _f("actors", ListOf(ACTOR)),
        _f("services", ListOf(SERVICE)),
        _f("datastores", ListOf(DATASTORE)),
        _f("brokers", ListOf(BROKER)),
        _f("events", ListOf(EVENT)),
        _f("libraries", ListOf(LIBRARY)),
        _f("sagas", ListOf(SAGA)),
        _f("validation", VALIDATION),
        _f("suppressions", ListOf(SUPPRESSION)),
    ),
)

# Top-level collections of id-bearing elements, and the element kind each holds.
COLLECTIONS: dict[str, str] = {
    "domains": "domain",
    "teams": "team",
    "actors": "actor",
    "services": "service",
    "datastores": "datastore",
    "brokers": "broker",
    "events": "event",
    "libraries": "library",
    "sagas": "saga",
}
KIND_COLLECTION = {kind: coll for coll, kind in COLLECTIONS.items()}
ELEMENT_SPECS: dict[str, Obj] = {
    "domain": DOMAIN,
    "team": TEAM,
    "actor": ACTOR,
    "service": SERVICE,
    "datastore": DATASTORE,
    "broker": BROKER,
    "event": EVENT,
    "library": LIBRARY,
    "saga": SAGA,
    "api": API,
}
