"""The analysis graph of a model (ANALYSIS.md "Terms"): one node per service, datastore and
broker (model order), each with its own latency, its effective availability and its edges in
child order, plus the strongly connected components of the call/route graph."""

from __future__ import annotations

from dataclasses import dataclass

from apps.archmodel.types import Broker, Datastore, Model
from apps.rules.graph import strongly_connected

CALL, ROUTE, DATA, PUBLISH = "call", "route", "data", "publish"


@dataclass(slots=True)
class Edge:
    """One edge of a node's tree: a call (with its effective properties), a gateway route, a
    data access or a publish without outbox. Only calls carry timeout, retries, breaker and
    fallback."""

    kind: str
    source: int
    to: int
    label: str  # "a->b"
    timeout: float | None = None
    retries: int = 0
    backoff: float = 0
    breaker: bool = False
    fallback: bool = False
    pointer: str = ""
    route_path: str | None = None
    cut_bit: int = 0  # a call/route inside a cycle: its bit in the cut-edge masks


def availability(a_percent: float, replicas: int) -> float:
    """av = 1 - (1 - a)^n; n = 0 gives 0."""
    if replicas <= 0:
        return 0.0
    return 1 - (1 - a_percent / 100) ** replicas


class Graph:
    """Everything the analysis reads from a model, indexed by node number."""

    def __init__(self, model: Model):
        self.model = model
        ids: list[str] = []
        kinds: list[str] = []
        lat: list[float] = []
        av: list[float] = []
        replicas: list[int] = []
        blast: list[bool] = []  # internal services, datastores and brokers
        pointers: list[str] = []
        for s in model.services:
            ids.append(s.id)
            kinds.append("service")
            lat.append(s.slo.latency_ms)
            n = s.replicas.min
            av.append(
                s.slo.availability / 100
                if s.kind == "external"
                else availability(s.slo.availability, n)
            )
            replicas.append(n)
            blast.append(s.internal)
            pointers.append(s.pointer)
        stores: list[tuple[str, Datastore | Broker]] = [("datastore", d) for d in model.datastores]
        stores += [("broker", b) for b in model.brokers]
        for kind, d in stores:
            ids.append(d.id)
            kinds.append(kind)
            lat.append(d.slo.latency_ms)
            av.append(availability(d.slo.availability, d.replicas))
            replicas.append(d.replicas)
            blast.append(True)
            pointers.append(d.pointer)
        self.ids = ids
        self.kinds = kinds
        self.lat = lat
        self.av = av
        self.replicas = replicas
        self.blast = blast
        self.pointers = pointers
        self.index = {x: i for i, x in enumerate(ids)}
        index = self.index
        broker_of = {e.id: e.broker for e in model.events}
        self.edges: list[list[Edge]] = [[] for _ in ids]
        for i, s in enumerate(model.services):
            if s.kind == "external":
                continue
            out = self.edges[i]
            for c in s.calls:
                to = index.get(c.to)
                if to is None:
                    continue
                out.append(
                    Edge(
                        CALL,
                        i,
                        to,
                        c.edge,
                        c.timeout_ms,
                        c.retries.max,
                        c.retries.backoff_ms or 0,
                        c.circuit_breaker is not None,
                        c.fallback is not None,
                        c.pointer,
                    )
                )
            if s.kind == "gateway":
                for r in s.routes:
                    if r.to in index:
                        out.append(
                            Edge(
                                ROUTE,
                                i,
                                index[r.to],
                                f"{s.id}->{r.to}",
                                pointer=r.pointer,
                                route_path=r.path,
                            )
                        )
            seen: set[str] = set()
            for a in s.data:
                if a.store not in seen and a.store in index:
                    seen.add(a.store)
                    out.append(
                        Edge(DATA, i, index[a.store], f"{s.id}->{a.store}", pointer=a.pointer)
                    )
            seen = set()
            for p in s.publishes:
                broker = broker_of.get(p.event)
                if p.outbox or broker is None or broker in seen or broker not in index:
                    continue
                seen.add(broker)
                out.append(Edge(PUBLISH, i, index[broker], f"{s.id}->{broker}", pointer=p.pointer))
        # Components of the call/route graph: figures depend on the path only inside one.
        adj = {
            x: sorted({ids[e.to] for e in self.edges[i] if e.kind in (CALL, ROUTE)})
            for i, x in enumerate(ids)
            if kinds[i] == "service"
        }
        self.comp = [-1] * len(ids)
        self.local = [0] * len(ids)  # position in its component: a bit of a path mask
        self.cyclic: list[bool] = []
        for comp_no, members in enumerate(strongly_connected(adj)):
            self.cyclic.append(len(members) > 1)
            for position, m in enumerate(members):
                self.comp[index[m]] = comp_no
                self.local[index[m]] = position
        # Edges that can be cut (a call or route inside one component) get a mask bit; the
        # distinct labels behind the bits are ``cut_labels``.
        self.cut_labels: list[str] = []
        bit_of: dict[str, int] = {}
        for node_edges in self.edges:
            for e in node_edges:
                if e.kind in (CALL, ROUTE) and self.comp[e.source] == self.comp[e.to]:
                    if e.label not in bit_of:
                        bit_of[e.label] = len(self.cut_labels)
                        self.cut_labels.append(e.label)
                    e.cut_bit = 1 << bit_of[e.label]
        for i, kind in enumerate(kinds):
            if kind != "service":
                self.comp[i] = len(self.cyclic)
                self.cyclic.append(False)

    def __len__(self) -> int:
        return len(self.ids)
