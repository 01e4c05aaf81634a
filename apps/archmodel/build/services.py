"""Building a service: its settings (own value, else ``defaults.service``, else built-in), its
apis, calls, published and subscribed events, data access and gateway routes."""

from __future__ import annotations

from typing import Any

from .. import types as M
from ..validate import did_you_mean
from .journeys import effective_slo
from .references import References
from .values import _a, _breaker, _dict, _get, _health, _list, _op_key, _replicas, _retries


class ServiceBuilder(References):
    """The service part of ``Builder``."""

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
        s.slo = effective_slo(d.get("slo"), self.defaults, "service")
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
        accessed: set[str] = set()
        for j, a in enumerate(_list(d.get("data"))):
            store = _get(a, "store", "store")
            ptr = f"{pointer}/data/{j}"
            if self.ref(store, "datastore", ptr + ("/store" if isinstance(a, dict) else "")):
                if store in accessed:
                    self.error(
                        ptr,
                        f"'{sid}' already accesses '{store}'; one data access per datastore "
                        "(set its access to read-write instead of listing it twice)",
                        "duplicate-connection",
                    )
                accessed.add(store)
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

    def _calls(self, d: dict, pointer: str, *, source_is_service: bool) -> list[M.Call]:
        out = []
        src = d["id"]
        cd = self.call_defaults
        called: set[str] = set()
        for j, c in enumerate(_list(d.get("calls"))):
            ptr = f"{pointer}/calls/{j}"
            to = _get(c, "to", "to")
            ok = self.ref(to, "service", ptr + ("/to" if isinstance(c, dict) else ""))
            if ok and to in called:
                # Rules count calls: a second entry would double every fan-in/fan-out figure.
                self.error(
                    ptr,
                    f"'{src}' already calls '{to}'; one call per pair (put every setting, "
                    "and the operations it uses, on the first one)",
                    "duplicate-connection",
                )
            if ok:
                called.add(to)
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
