"""``Analysis``: a model's journeys with their latency and availability, the blast radius of
every element, and ``simulate(fail, slow)``: ANALYSIS.md, computed over one shared unfolding."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from apps.archmodel.loader import gc_paused
from apps.archmodel.types import Model

from .graph import CALL, Graph
from .journeys import JourneySpec, journey_specs
from .unfold import INF, Unfolded, bits

STATES = ("ok", "degraded", "failed")
OK, DEGRADED, FAILED = 0, 1, 2


def number(value: float) -> float | int | None:
    """A latency for JSON: ``None`` when unbounded, an int when whole."""
    if value == INF:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@dataclass(slots=True)
class JourneyFigures:
    spec: JourneySpec
    roots: list[int]  # tree node numbers of the start nodes
    nominal: float
    worst: float
    cut: list[str]
    required: int  # bit set of element numbers
    reached: int
    availability: float  # percent, rounded to 4 decimals

    @property
    def over_latency(self) -> bool:
        t = self.spec.target_latency_ms
        return t is not None and self.nominal > t

    @property
    def over_availability(self) -> bool:
        t = self.spec.target_availability
        return t is not None and self.availability < t

    @property
    def status(self) -> str:
        return "over-target" if self.over_latency or self.over_availability else "ok"


class SimulationError(ValueError):
    """An argument of ``simulate`` names no service, datastore or broker, or a bad slowdown."""


class Analysis:
    """Everything ANALYSIS.md computes for one model; build once, ask many questions."""

    def __init__(self, model: Model, *, max_cyclic: int | None = None):
        self.model = model
        # Hundreds of thousands of small acyclic objects: the cyclic collector would walk the
        # whole model again and again while they are made (half the time on 20,000 services).
        with gc_paused():
            self.graph = Graph(model)
            self.unfolded = Unfolded(self.graph, max_cyclic=max_cyclic)
            self.specs = journey_specs(model)
            self.journeys = [self._journey(s) for s in self.specs]
        # Tree nodes are numbered as they are made: those below this are in journey trees
        # (a simulation adds each element's own tree after them).
        self.journey_nodes = len(self.unfolded)

    def _journey(self, spec: JourneySpec) -> JourneyFigures:
        g, u = self.graph, self.unfolded
        roots = [
            u.root(spec.calls, g.index[s], spec.route if spec.gateway else None)
            for s in spec.starts
        ]
        nominal = sum(u.N[r] for r in roots)
        worst = sum(u.W[r] for r in roots)
        cut = required = reached = 0
        for r in roots:
            cut |= u.cut[r]
            required |= u.req[r]
            reached |= u.tree[r]
        a = 1.0
        av = g.av
        for b in bits(required):
            a *= av[b]
        return JourneyFigures(
            spec,
            roots,
            nominal,
            worst,
            sorted({g.cut_labels[b] for b in bits(cut)}),
            required,
            reached,
            round(100 * a, 4),
        )

    # --- blast radius ----------------------------------------------------------------------

    @cached_property
    def blast_radius(self) -> list[dict[str, Any]]:
        """For each internal service, datastore and broker: the journeys its failure fails and
        degrades. A journey fails exactly when the element is required in it and degrades when
        it is reached only behind fallbacks, so no simulation per element is needed."""
        with gc_paused():
            return self._blast_radius()

    def _blast_radius(self) -> list[dict[str, Any]]:
        g = self.graph
        failed: list[list[str]] = [[] for _ in range(len(g))]
        degraded: list[list[str]] = [[] for _ in range(len(g))]
        for j in self.journeys:
            jid = j.spec.id
            for b in bits(j.required):
                failed[b].append(jid)
            for b in bits(j.reached & ~j.required):
                degraded[b].append(jid)
        rows = [
            {"element": g.ids[i], "failed": failed[i], "degraded": degraded[i]}
            for i in range(len(g))
            if g.blast[i]
        ]
        rows.sort(key=lambda r: (-len(r["failed"]), -len(r["degraded"]), r["element"]))
        return rows

    # --- the analyse JSON ------------------------------------------------------------------

    def journeys_json(self) -> list[dict[str, Any]]:
        return [
            {
                "id": j.spec.id,
                "entry": j.spec.entry,
                "nominal_latency_ms": number(j.nominal),
                "worst_latency_ms": number(j.worst),
                "availability": j.availability,
                "target": j.spec.target,
                "status": j.status,
                "cut": j.cut,
            }
            for j in self.journeys
        ]

    def elements_of(self, j: JourneyFigures) -> list[str]:
        ids = self.graph.ids
        return [ids[b] for b in bits(j.reached)]

    def timeouts_below_latency(self) -> dict[str, tuple[Any, float, float]]:
        """Calls, in some journey tree and not cut, whose timeout is below the callee's nominal
        latency there: edge label -> (edge, timeout, the highest such latency)."""
        u = self.unfolded
        out: dict[str, tuple[Any, float, float]] = {}
        n = u.N
        for kids in u.children[: self.journey_nodes]:
            for e, c in kids:
                if c >= 0 and e.kind == CALL and e.timeout is not None and e.timeout < n[c]:
                    seen = out.get(e.label)
                    if seen is None or n[c] > seen[2]:
                        out[e.label] = (e, e.timeout, n[c])
        return out

    # --- simulation ------------------------------------------------------------------------

    def check_scenario(self, fail: list[str], slow: dict[str, float]) -> None:
        g = self.graph
        problems = []
        for x in [*fail, *slow]:
            if x not in g.index:
                kind = self.model.kind_of(x)
                problems.append(
                    f"'{x}' is {'an' if (kind or '')[:1] in 'aeiou' else 'a'} {kind}, not a "
                    "service, datastore or broker"
                    if kind
                    else f"unknown element '{x}'"
                )
        for x, ms in slow.items():
            if isinstance(ms, bool) or not isinstance(ms, int | float) or not ms > 0 or ms == INF:
                problems.append(f"the slowdown of '{x}' must be a number of ms > 0, not {ms!r}")
        if problems:
            raise SimulationError("; ".join(problems))

    def simulate(self, fail: list[str], slow: dict[str, float]) -> dict[str, Any]:
        """ANALYSIS.md ``simulate(fail, slow)``: journeys, element states, amplification."""
        self.check_scenario(fail, slow)
        with gc_paused():
            return self._simulate(fail, slow)

    def _simulate(self, fail: list[str], slow: dict[str, float]) -> dict[str, Any]:
        g, u = self.graph, self.unfolded
        element_roots = [u.root(None, i) for i in range(len(g))]
        failing = {g.index[x] for x in fail}
        slowed = {g.index[x]: ms for x, ms in slow.items()}
        lat = g.lat
        size = len(u)
        n2 = [0.0] * size
        w2 = [0.0] * size
        state = [OK] * size
        reason: list[str | None] = [None] * size
        follow = [-1] * size  # path = [x] + path(follow)
        last = [-1] * size  # path = [x, last] (a timeout or a hang)
        base_n = u.N
        elem = u.elem
        for x_uid in range(size):
            x = elem[x_uid]
            n = w = lat[x] + slowed.get(x, 0)
            best = OK
            for e, c in u.children[x_uid]:
                timeout = e.timeout
                if c < 0:
                    if timeout is not None:
                        w += (1 + e.retries) * timeout + e.retries * e.backoff
                    else:
                        w = INF
                    continue
                nc = n2[c]
                if timeout is not None:
                    n += nc if nc < timeout else timeout
                    w += (1 + e.retries) * timeout + e.retries * e.backoff
                else:
                    n += nc
                    w += w2[c]
                if x in failing:
                    continue
                sc = state[c]
                if sc == FAILED:
                    outcome, how = (DEGRADED if e.fallback else FAILED), "follow"
                elif timeout is not None and nc > base_n[c] and nc > timeout:
                    outcome, how = (DEGRADED if e.fallback else FAILED), "timeout"
                elif timeout is None and elem[c] in slowed:
                    outcome, how = FAILED, "hang"
                elif sc == DEGRADED:
                    outcome, how = DEGRADED, "follow"
                else:
                    continue
                if outcome > best:
                    best = outcome
                    if how == "follow":
                        follow[x_uid], last[x_uid], reason[x_uid] = c, -1, reason[c]
                    else:
                        follow[x_uid], last[x_uid], reason[x_uid] = -1, elem[c], how
            n2[x_uid], w2[x_uid] = n, w
            if x in failing:
                state[x_uid], reason[x_uid] = FAILED, "fail"
            else:
                state[x_uid] = best

        def path(x_uid: int) -> list[str]:
            out = [g.ids[elem[x_uid]]]
            while True:
                if follow[x_uid] >= 0:
                    x_uid = follow[x_uid]
                    out.append(g.ids[elem[x_uid]])
                    continue
                if last[x_uid] >= 0:
                    out.append(g.ids[last[x_uid]])
                return out

        journeys = []
        for j in self.journeys:
            st, rs, p = OK, None, []
            for r in j.roots:
                if state[r] == FAILED:
                    outcome, why, shown = FAILED, reason[r], path(r)
                elif elem[r] in slowed:
                    outcome, why, shown = FAILED, "hang", [g.ids[elem[r]]]
                elif state[r] == DEGRADED:
                    outcome, why, shown = DEGRADED, reason[r], path(r)
                else:
                    continue
                if outcome > st:
                    st, rs, p = outcome, why, shown
            journeys.append(
                {
                    "id": j.spec.id,
                    "state": STATES[st],
                    "reason": rs,
                    "path": p,
                    "nominal_latency_ms": number(sum(n2[r] for r in j.roots)),
                    "worst_latency_ms": number(sum(w2[r] for r in j.roots)),
                }
            )
        elements = {g.ids[i]: STATES[state[element_roots[i]]] for i in range(len(g))}
        amplification = {x: self._amplification(g.index[x]) for x in dict.fromkeys([*fail, *slow])}
        return {"journeys": journeys, "elements": elements, "amplification": amplification}

    def _amplification(self, target: int) -> int:
        """Requests ``target`` receives per journey request, worst case; the maximum over the
        journeys (0 when in none). A breaker makes a call's factor 1."""
        u = self.unfolded
        elem = u.elem
        amp = [0] * len(u)
        for x_uid, kids in enumerate(u.children):
            a = 1 if elem[x_uid] == target else 0
            for e, c in kids:
                if c >= 0 and amp[c]:
                    a += amp[c] * (1 + e.retries if e.kind == CALL and not e.breaker else 1)
            amp[x_uid] = a
        return max((sum(amp[r] for r in j.roots) for j in self.journeys), default=0)
