"""From a canonical document to a typed ``Model``: ids, references and effective values.

The checks here are the ones a schema cannot express: one id namespace across all kinds,
references that resolve to an element of the right kind, APIs provided by the callee, routes
only on gateways, no self-calls, and the element-count limit.
"""

from __future__ import annotations

from typing import Any

from . import types as M
from .errors import ModelError
from .limits import Limits
from .spec import COLLECTIONS
from .validate import did_you_mean


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _get(item: Any, key: str, shorthand: str | None = None, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(key, default)
    if shorthand == key:
        return item
    return default


class Builder:
    def __init__(self, doc: dict[str, Any], limits: Limits, source_order: list[str] | None = None):
        self.doc = doc
        # Duplicate ids are reported at the later definition in the file, so follow its order.
        self.order = [k for k in (source_order or []) if k in COLLECTIONS] or list(COLLECTIONS)
        self.limits = limits
        self.errors: list[ModelError] = []
        self.kinds: dict[str, str] = {}  # id -> element kind
        self.first: dict[str, str] = {}  # id -> pointer of its first definition
        self.api_owner: dict[str, str] = {}  # api id -> service id
        self.apis: dict[str, dict] = {}
        defaults = _dict(doc.get("defaults"))
        self.call_defaults = _dict(defaults.get("call"))
        self.service_defaults = _dict(defaults.get("service"))

    def error(self, pointer: str, message: str, kind: str) -> None:
        self.errors.append(ModelError(pointer, message, kind))

    # --- ids and references -------------------------------------------------------------------

    def collect_ids(self) -> None:
        count = 0
        for coll in self.order:
            kind = COLLECTIONS[coll]
            items = self.doc.get(coll)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                count += self._define(item.get("id"), kind, f"/{coll}/{i}/id")
                if kind == "service" and isinstance(item.get("apis"), list):
                    for j, api in enumerate(item["apis"]):
                        if isinstance(api, dict) and self._define(
                            api.get("id"), "api", f"/services/{i}/apis/{j}/id"
                        ):
                            count += 1
                            if isinstance(item.get("id"), str):
                                self.api_owner.setdefault(api["id"], item["id"])
                                self.apis.setdefault(api["id"], api)
        if count > self.limits.max_elements:
            self.error(
                "",
                f"the model has {count:,} elements; the limit is "
                f"{self.limits.max_elements:,}. Split it, or ask an administrator to raise "
                "WORKBENCH_MAX_ELEMENTS.",
                "limit",
            )

    def _define(self, element_id: Any, kind: str, pointer: str) -> int:
        if not isinstance(element_id, str):
            return 0
        if element_id in self.kinds:
            first = self.first[element_id]
            self.error(
                pointer,
                f"duplicate id '{element_id}': already used by the {self.kinds[element_id]} "
                f"at {first}; ids are unique across all kinds of element",
                "duplicate-id",
            )
            return 0
        self.kinds[element_id] = kind
        self.first[element_id] = pointer
        return 1

    def ref(self, value: Any, expected: str, pointer: str) -> bool:
        """Check that ``value`` names an element of kind ``expected``; report it otherwise."""
        if not isinstance(value, str):
            return False
        kind = self.kinds.get(value)
        if kind == expected:
            return True
        if kind is None:
            same_kind = [i for i, k in self.kinds.items() if k == expected]
            self.error(
                pointer,
                f"unknown {expected} '{value}'{did_you_mean(value, same_kind)}",
                "dangling-reference",
            )
        else:
            self.error(
                pointer, f"'{value}' is {_a(kind)}, not {_a(expected)}", "dangling-reference"
            )
        return False

    # --- building -----------------------------------------------------------------------------

    def build(self) -> M.Model | None:
        doc = self.doc
        self.collect_ids()
        model = M.Model(
            name=doc.get("name", ""),
            title=doc.get("title"),
            description=doc.get("description"),
            document=doc,
        )
        model.domains = [
            M.Domain(d["id"], d.get("title"), d.get("description"), f"/domains/{i}")
            for i, d in self._items("domains")
        ]
        model.teams = [
            M.Team(d["id"], d.get("title"), d.get("description"), f"/teams/{i}")
            for i, d in self._items("teams")
        ]
        model.libraries = [
            M.Library(
                d["id"],
                d.get("title"),
                d.get("description"),
                f"/libraries/{i}",
                kind=d.get("kind", "technical"),
            )
            for i, d in self._items("libraries")
        ]
        model.actors = [self._actor(i, d) for i, d in self._items("actors")]
        model.services = [self._service(i, d) for i, d in self._items("services")]
        model.datastores = [self._datastore(i, d) for i, d in self._items("datastores")]
        model.brokers = [
            M.Broker(
                d["id"],
                d.get("title"),
                d.get("description"),
                f"/brokers/{i}",
                kind=d.get("kind", "other"),
                role=d.get("role", "broker"),
                replicas=d.get("replicas", 1),
            )
            for i, d in self._items("brokers")
        ]
        model.events = [self._event(i, d) for i, d in self._items("events")]
        model.sagas = [self._saga(i, d) for i, d in self._items("sagas")]
        validation = doc.get("validation") or {}
        if isinstance(validation, dict):
            model.validation = M.Validation(
                disable=[r for r in _list(validation.get("disable")) if isinstance(r, str)],
                severity=_dict(validation.get("severity")),
                thresholds={
                    k: dict(v)
                    for k, v in _dict(validation.get("thresholds")).items()
                    if isinstance(v, dict)
                },
            )
        model.suppressions = [
            M.Suppression(
                d.get("rule", ""),
                str(d.get("target", "")),
                d.get("reason", ""),
                d.get("expires"),
                f"/suppressions/{i}",
            )
            for i, d in enumerate(_list(doc.get("suppressions")))
            if isinstance(d, dict)
        ]
        by_id: dict[str, M.Element] = {}
        for coll in (
            model.domains,
            model.teams,
            model.actors,
            model.services,
            model.datastores,
            model.brokers,
            model.events,
            model.libraries,
            model.sagas,
        ):
            for el in coll:
                by_id.setdefault(el.id, el)
        for s in model.services:
            for api in s.apis:
                by_id.setdefault(api.id, api)
        model.by_id = by_id
        return model

    def _items(self, coll: str) -> list[tuple[int, dict]]:
        items = self.doc.get(coll)
        if not isinstance(items, list):
            return []
        return [
            (i, d)
            for i, d in enumerate(items)
            if isinstance(d, dict) and isinstance(d.get("id"), str)
        ]

    def _actor(self, i: int, d: dict) -> M.Actor:
        pointer = f"/actors/{i}"
        actor = M.Actor(
            d["id"], d.get("title"), d.get("description"), pointer, kind=d.get("kind", "person")
        )
        actor.calls = self._calls(d, pointer, source_is_service=False)
        return actor

    def _service(self, i: int, d: dict) -> M.Service:
        pointer = f"/services/{i}"
        sd = self.service_defaults
        sid = d["id"]
        s = M.Service(
            sid, d.get("title"), d.get("description"), pointer, kind=d.get("kind", "service")
        )
        if "domain" in d:
            self.ref(d["domain"], "domain", pointer + "/domain")
            s.domain = d["domain"]
        if "team" in d:
            self.ref(d["team"], "team", pointer + "/team")
            s.team = d["team"]
        s.runtime = d.get("runtime", sd.get("runtime", "python"))
        s.port = d.get("port", sd.get("port", 8080))
        s.replicas = _replicas(d.get("replicas", sd.get("replicas", 1)))
        s.stateful = d.get("stateful", sd.get("stateful", False))
        s.health = _health(d.get("health", sd.get("health")))
        own_obs = _dict(d.get("observability"))
        def_obs = _dict(sd.get("observability"))
        s.observability = M.Observability(
            logging=own_obs.get("logging", def_obs.get("logging")),
            metrics=own_obs.get("metrics", def_obs.get("metrics")),
            tracing=own_obs.get("tracing", def_obs.get("tracing")),
        )
        own_dep = _dict(d.get("deploy"))
        def_dep = _dict(sd.get("deploy"))
        res = _dict(own_dep.get("resources", def_dep.get("resources")))
        s.deploy = M.Deploy(
            container=own_dep.get("container", sid),
            strategy=str(own_dep.get("strategy", def_dep.get("strategy", "rolling"))),
            cpu=res.get("cpu"),
            memory=res.get("memory"),
        )
        for j, lib in enumerate(_list(d.get("uses"))):
            self.ref(lib, "library", f"{pointer}/uses/{j}")
        s.uses = list(_list(d.get("uses")))
        s.tags = list(_list(d.get("tags")))
        s.apis = [
            self._api(sid, f"{pointer}/apis/{j}", a)
            for j, a in enumerate(_list(d.get("apis")))
            if isinstance(a, dict) and isinstance(a.get("id"), str)
        ]
        s.calls = self._calls(d, pointer, source_is_service=True)
        for j, p in enumerate(_list(d.get("publishes"))):
            ev = _get(p, "event", "event")
            ptr = f"{pointer}/publishes/{j}"
            self.ref(ev, "event", ptr + ("/event" if isinstance(p, dict) else ""))
            s.publishes.append(M.Publish(ev, bool(_get(p, "outbox", default=False)), ptr))
        for j, p in enumerate(_list(d.get("subscribes"))):
            ev = _get(p, "event", "event")
            ptr = f"{pointer}/subscribes/{j}"
            self.ref(ev, "event", ptr + ("/event" if isinstance(p, dict) else ""))
            s.subscribes.append(
                M.Subscribe(ev, _get(p, "group"), bool(_get(p, "idempotent", default=False)), ptr)
            )
        for j, a in enumerate(_list(d.get("data"))):
            store = _get(a, "store", "store")
            ptr = f"{pointer}/data/{j}"
            self.ref(store, "datastore", ptr + ("/store" if isinstance(a, dict) else ""))
            s.data.append(M.DataAccess(store, _get(a, "access", default="read-write"), ptr))
        routes = _list(d.get("routes"))
        if routes and s.kind != "gateway":
            self.error(
                pointer + "/routes",
                f"'{sid}' has routes but is {_a(s.kind)}; only a service of "
                "kind: gateway routes traffic (set kind: gateway, or move the "
                "routes to the gateway)",
                "dangling-reference",
            )
        for j, r in enumerate(routes):
            if not isinstance(r, dict):
                continue
            ptr = f"{pointer}/routes/{j}"
            to = r.get("to")
            if self.ref(to, "service", ptr + "/to") and to == sid:
                self.error(ptr + "/to", f"gateway '{sid}' routes to itself", "self-call")
            if "api" in r:
                self._api_of(r["api"], to, ptr + "/api")
            s.routes.append(
                M.Route(
                    sid,
                    r.get("path", ""),
                    to or "",
                    ptr,
                    api=r.get("api"),
                    auth=r.get("auth", "none"),
                    rate_limit=r.get("rate_limit"),
                    strip_prefix=r.get("strip_prefix", False),
                )
            )
        return s

    def _api(self, sid: str, pointer: str, d: dict) -> M.Api:
        style = d.get("style", "rest")
        api = M.Api(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            service=sid,
            style=style,
            version=d.get("version"),
            public=d.get("public", False),
            auth=d.get("auth", "none"),
        )
        for k, op in enumerate(_list(d.get("operations"))):
            if not isinstance(op, dict):
                continue
            ptr = f"{pointer}/operations/{k}"
            method, path, name = op.get("method"), op.get("path"), op.get("name")
            if style == "rest" and not (method and path):
                self.error(
                    ptr,
                    "a REST operation needs both 'method' and 'path' "
                    "(e.g. {method: GET, path: /orders})",
                    "value",
                )
            elif style != "rest" and not name:
                self.error(
                    ptr, f"a {style} operation needs a 'name' (e.g. {{name: GetOrder}})", "value"
                )
            idem = op.get("idempotent")
            if idem is None:
                idem = method in M.IDEMPOTENT_METHODS if method else False
            api.operations.append(M.Operation(method, path, name, idem))
        return api

    def _api_of(self, api_id: Any, service_id: Any, pointer: str) -> bool:
        if not self.ref(api_id, "api", pointer):
            return False
        owner = self.api_owner.get(api_id)
        if isinstance(service_id, str) and owner != service_id:
            theirs = [a for a, o in self.api_owner.items() if o == service_id]
            hint = (
                f"; '{service_id}' provides: {', '.join(theirs)}"
                if theirs
                else f"; '{service_id}' provides no api"
            )
            self.error(
                pointer,
                f"api '{api_id}' is provided by '{owner}', not by '{service_id}'{hint}",
                "dangling-reference",
            )
            return False
        return True

    def _calls(self, d: dict, pointer: str, *, source_is_service: bool) -> list[M.Call]:
        out = []
        src = d["id"]
        cd = self.call_defaults
        for j, c in enumerate(_list(d.get("calls"))):
            ptr = f"{pointer}/calls/{j}"
            to = _get(c, "to", "to")
            ok = self.ref(to, "service", ptr + ("/to" if isinstance(c, dict) else ""))
            if ok and source_is_service and to == src:
                self.error(
                    ptr,
                    f"'{src}' calls itself; a service's internal calls are not modelled",
                    "self-call",
                )
            own = c if isinstance(c, dict) else {}
            api_id = own.get("api")
            api_style = None
            if api_id is not None and ok and self._api_of(api_id, to, ptr + "/api"):
                api = self.apis.get(api_id, {})
                api_style = api.get("style", "rest")
                op = own.get("operation")
                ops = _list(api.get("operations"))
                if op is not None and ops:
                    keys = [_op_key(o) for o in ops if isinstance(o, dict)]
                    norm = " ".join(str(op).split())
                    if norm not in keys and norm.upper() not in {k.upper() for k in keys}:
                        self.error(
                            ptr + "/operation",
                            f"api '{api_id}' has no operation '{op}'{did_you_mean(norm, keys)}",
                            "dangling-reference",
                        )

            def eff(key: str, builtin: Any, own: dict = own) -> Any:
                if key in own:
                    return own[key]
                return cd.get(key, builtin)

            protocol = (
                own.get("protocol")
                or cd.get("protocol")
                or {"grpc": "grpc", "graphql": "graphql"}.get(api_style or "", "http")
            )
            out.append(
                M.Call(
                    source=src,
                    to=to if isinstance(to, str) else "",
                    pointer=ptr,
                    api=api_id,
                    operation=own.get("operation"),
                    protocol=protocol,
                    timeout_ms=eff("timeout_ms", None),
                    retries=_retries(eff("retries", 0)),
                    circuit_breaker=_breaker(eff("circuit_breaker", None)),
                    fallback=eff("fallback", None),
                    discovery=eff("discovery", "dns"),
                    tls=eff("tls", False),
                    auth=eff("auth", "none"),
                )
            )
        return out

    def _datastore(self, i: int, d: dict) -> M.Datastore:
        pointer = f"/datastores/{i}"
        if "owner" in d:
            self.ref(d["owner"], "service", pointer + "/owner")
        return M.Datastore(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            kind=d.get("kind", "other"),
            owner=d.get("owner"),
            replicas=d.get("replicas", 1),
        )

    def _event(self, i: int, d: dict) -> M.Event:
        pointer = f"/events/{i}"
        self.ref(d.get("broker"), "broker", pointer + "/broker")
        return M.Event(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            broker=d.get("broker", ""),
            channel=d.get("channel") or d["id"],
            delivery=d.get("delivery", "at-least-once"),
            schema=d.get("schema"),
        )

    def _saga(self, i: int, d: dict) -> M.Saga:
        pointer = f"/sagas/{i}"
        saga = M.Saga(
            d["id"],
            d.get("title"),
            d.get("description"),
            pointer,
            coordination=d.get("coordination", "none"),
        )
        for j, st in enumerate(_list(d.get("steps"))):
            if isinstance(st, dict):
                self.ref(st.get("service"), "service", f"{pointer}/steps/{j}/service")
                saga.steps.append(
                    M.SagaStep(st.get("service", ""), st.get("action"), st.get("compensation"))
                )
        return saga


def _op_key(op: dict) -> str:
    if op.get("method"):
        return f"{op['method']} {op.get('path', '')}"
    return str(op.get("name", ""))


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


def _replicas(value: Any) -> M.Replicas:
    if isinstance(value, dict):
        lo = value.get("min", 1)
        return M.Replicas(
            min=lo, max=max(value.get("max", lo), lo), cpu_target=value.get("cpu_target")
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return M.Replicas(min=value, max=value)
    return M.Replicas()


def _health(value: Any) -> M.Health | None:
    if value is True:
        return M.Health("/healthz", "/healthz")
    if isinstance(value, dict):
        return M.Health(value.get("liveness"), value.get("readiness"))
    return None


def _retries(value: Any) -> M.Retries:
    if isinstance(value, dict):
        return M.Retries(
            max=value.get("max", 0),
            backoff_ms=value.get("backoff_ms"),
            jitter=value.get("jitter", False),
        )
    if isinstance(value, int) and not isinstance(value, bool):
        return M.Retries(max=value)
    return M.Retries()


def _breaker(value: Any) -> M.CircuitBreaker | None:
    if value is True:
        return M.CircuitBreaker()
    if isinstance(value, dict):
        return M.CircuitBreaker(
            value.get("failure_threshold", 5), value.get("reset_timeout_ms", 30_000)
        )
    return None
