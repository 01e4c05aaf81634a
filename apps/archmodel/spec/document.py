"""The other element kinds (domains, teams, actors, libraries, datastores, brokers, events,
sagas), validation, suppressions and defaults, the top-level ``MODEL``, and the tables that map
collections to element kinds and element kinds to their spec."""

from __future__ import annotations

from .nodes import AnyJSON, Date, Enum, Field, Int, ListOf, MapOf, Num, Obj, Slug, Str, _f
from .services import (
    API,
    CALL,
    CALL_PROPERTIES,
    ID,
    SERVICE,
    SERVICE_PROPERTIES,
    SLO,
    TEXT,
    TITLE,
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
    _f("slo", SLO),
)
BROKER = _simple(
    "broker",
    _f("kind", Enum(("kafka", "rabbitmq", "nats", "redis", "other")), required=True),
    _f("role", Enum(("broker", "esb")), default="broker"),
    _f("replicas", Int(minimum=0), default=1),
    _f("slo", SLO),
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
        _f("datastore", Obj("datastore-defaults", (_f("slo", SLO),))),
        _f("broker", Obj("broker-defaults", (_f("slo", SLO),))),
    ),
)
JOURNEY = _simple(
    "journey",
    _f(
        "entry",
        Slug(ref=("actor", "service")),
        required=True,
        description="an actor, a frontend or a gateway id",
    ),
    _f("route", Str(max_length=500), description="with a gateway entry: the path of its route"),
    _f(
        "calls",
        ListOf(Str(max_length=300, description='"a->b": a call or route edge to follow')),
        description="the only call/route edges followed; absent = all",
    ),
    _f(
        "target",
        Obj(
            "journey-target",
            (
                _f("availability", Num(exclusive_minimum=0, maximum=100)),
                _f("latency_ms", Num(exclusive_minimum=0)),
            ),
        ),
        description="the journey's budget; see ANALYSIS.md",
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
        _f("journeys", ListOf(JOURNEY), description="user journeys with budgets"),
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
    "journeys": "journey",
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
    "journey": JOURNEY,
    "api": API,
}
