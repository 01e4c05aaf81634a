"""The journeys' trees, folded into one DAG, with the baseline figures of every node.

ANALYSIS.md defines the figures over each journey's *tree*; unfolded naively, a model with many
shared paths (diamonds) has an exponential tree. A tree node's figures depend only on its
element and on the members of its strongly connected component that are on the path from the
start node (outside cycles: on nothing), so each distinct (element, path-in-component) pair is
unfolded once per *view* (the journey's filter of call/route edges, ``None`` = all) and shared
by every journey and every parent that reaches it. Only inside cycles does the unfolding grow
with the paths; ``max_cyclic`` bounds it so a pathological model is refused, never hangs.

Nodes are numbered in post-order (children first), so every later pass is one loop.
"""

from __future__ import annotations

import math
from typing import Any

from .graph import DATA, PUBLISH, ROUTE, Edge, Graph

INF = math.inf
MAX_CYCLIC_NODES = 50_000


class TooLarge(Exception):
    """The call cycles unfold into more tree nodes than ``max_cyclic``."""


# (element, the component members on the path as a bit mask (0 outside cycles), route)
Key = tuple[int, int, Any]


class Unfolded:
    """Every journey's (and element's) tree as one DAG of shared nodes; see the module."""

    def __init__(self, graph: Graph, *, max_cyclic: int | None = None):
        self.g = graph
        self.max_cyclic = max_cyclic or MAX_CYCLIC_NODES
        self.cyclic_nodes = 0
        self.memo: dict[frozenset[str] | None, dict[Key, int]] = {}
        # Per tree node (index = node number): element, children (edge, node or -1 when cut),
        # nominal and worst latency, cut edge labels, required and reached elements (bit sets).
        self.elem: list[int] = []
        self.children: list[list[tuple[Edge, int]]] = []
        self.N: list[float] = []
        self.W: list[float] = []
        self.cut: list[int] = []  # bit set of ``Graph.cut_labels``
        self.req: list[int] = []
        self.tree: list[int] = []

    def _edges(self, view: frozenset[str] | None, i: int, route: str | None) -> list[Edge]:
        edges = self.g.edges[i]
        if route is not None:
            first = next(e for e in edges if e.kind == ROUTE and e.route_path == route)
            return [first, *(e for e in edges if e.kind in (DATA, PUBLISH))]
        if view is None:
            return edges
        return [e for e in edges if e.kind in (DATA, PUBLISH) or e.label in view]

    def root(self, view: frozenset[str] | None, i: int, route: str | None = None) -> int:
        """The node number of element ``i`` as a start node (with ``route``: a gateway that
        follows only that route), unfolding what is not unfolded yet."""
        g = self.g
        comp, cyclic, local = g.comp, g.cyclic, g.local
        memo = self.memo.setdefault(view, {})
        start_path = 1 << local[i] if cyclic[comp[i]] else 0
        key: Key = (i, start_path, route)
        if key in memo:
            return memo[key]
        lat = g.lat
        elem, children, N, W, cut, req, tree = (
            self.elem,
            self.children,
            self.N,
            self.W,
            self.cut,
            self.req,
            self.tree,
        )
        # frame: [key, element, path set, edges, next edge, children so far, incoming edge]
        stack: list[list[Any]] = [[key, i, start_path, self._edges(view, i, route), 0, [], None]]
        while stack:
            f = stack[-1]
            edges = f[3]
            k = f[4]
            if k < len(edges):
                e = edges[k]
                f[4] = k + 1
                t = e.to
                path = f[2]
                if path and comp[t] == comp[f[1]]:
                    bit = 1 << local[t]
                    if path & bit:
                        f[5].append((e, -1))  # a call or route back onto the path: cut
                        continue
                    tpath = path | bit
                elif cyclic[comp[t]]:
                    tpath = 1 << local[t]
                else:
                    tpath = 0
                ckey: Key = (t, tpath, None)
                uid = memo.get(ckey)
                if uid is not None:
                    f[5].append((e, uid))
                    continue
                if tpath:
                    self.cyclic_nodes += 1
                    if self.cyclic_nodes > self.max_cyclic:
                        raise TooLarge(self.max_cyclic)
                stack.append([ckey, t, tpath, self._edges(view, t, None), 0, [], e])
                continue
            stack.pop()
            x = f[1]
            kids: list[tuple[Edge, int]] = f[5]
            n = w = lat[x]
            cuts = 0
            r = t_bits = 1 << x
            for e, c in kids:
                timeout = e.timeout
                if c < 0:
                    cuts |= e.cut_bit
                    if timeout is not None:
                        w += (1 + e.retries) * timeout + e.retries * e.backoff
                    else:
                        w = INF
                    continue
                nc = N[c]
                if timeout is not None:
                    n += nc if nc < timeout else timeout
                    w += (1 + e.retries) * timeout + e.retries * e.backoff
                else:
                    n += nc
                    w += W[c]
                cuts |= cut[c]
                if not e.fallback:
                    r |= req[c]
                t_bits |= tree[c]
            uid = len(elem)
            elem.append(x)
            children.append(kids)
            N.append(n)
            W.append(w)
            cut.append(cuts)
            req.append(r)
            tree.append(t_bits)
            memo[f[0]] = uid
            if stack:
                stack[-1][5].append((f[6], uid))
        return memo[key]

    def __len__(self) -> int:
        return len(self.elem)


def bits(value: int) -> list[int]:
    """The set bits of ``value``, ascending."""
    text = bin(value)[:1:-1]
    out = []
    find = text.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out
