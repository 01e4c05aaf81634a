"""The service element and everything it carries (calls, apis and their operations, gateway
routes, replicas, health, observability, deploy), and the id/title/text fields every element
shares."""

from __future__ import annotations

from .nodes import Bool, Enum, Int, ListOf, Num, Obj, OneOf, Slug, Str, _f

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

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
            Obj(
                "resources",
                (
                    _f(
                        "cpu",
                        Str(max_length=20, quantity="cpu"),
                        description="Kubernetes CPU quantity: 500m, 1, 2.5",
                    ),
                    _f(
                        "memory",
                        Str(max_length=20, quantity="memory"),
                        description="Kubernetes memory quantity: 256Mi, 1Gi, 512M",
                    ),
                ),
            ),
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

SLO = Obj(
    "slo",
    (
        _f(
            "availability",
            Num(exclusive_minimum=0, exclusive_maximum=100),
            description="percent availability of one instance (built-in: services 99.9, "
            "datastores and brokers 99.95)",
        ),
        _f(
            "latency_ms",
            Num(minimum=0),
            description="own p99 processing time, downstream calls excluded (built-in: "
            "services 20, datastores and brokers 5)",
        ),
    ),
    description="service level objective of one instance; see ANALYSIS.md",
)

SERVICE_PROPERTIES = (
    _f("runtime", Enum(("python", "node", "java", "go", "dotnet", "other")), default="python"),
    _f("port", Int(minimum=1, maximum=65535), default=8080),
    _f("replicas", REPLICAS, default=1),
    _f("stateful", Bool(), default=False),
    _f("health", HEALTH, description="true = both at /healthz; false or absent = none"),
    _f("observability", OBSERVABILITY),
    _f("deploy", DEPLOY),
    _f("slo", SLO),
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
