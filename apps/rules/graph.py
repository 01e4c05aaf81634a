"""Graph helpers shared by the rules: all linear in nodes + edges.

Graphs are ``dict[node, list[node]]`` adjacency lists with sorted, distinct successors, so every
traversal (and therefore every message) is deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


def adjacency(nodes: Iterable[str], edges: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    adj: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        adj.setdefault(a, set()).add(b)
        adj.setdefault(b, set())
    return {n: sorted(s) for n, s in adj.items()}


def strongly_connected(adj: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative (no recursion limit on deep graphs).

    Returns the components in reverse topological order (a component comes before every
    component that reaches it), each component's members sorted.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for root in sorted(adj):
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, i = work[-1]
            succ = adj[node]
            if i < len(succ):
                work[-1] = (node, i + 1)
                nxt = succ[i]
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, 0))
                elif nxt in on_stack and index[nxt] < low[node]:
                    low[node] = index[nxt]
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                if low[node] < low[parent]:
                    low[parent] = low[node]
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                out.append(sorted(comp))
    return out


def shortest_cycle_through(adj: dict[str, list[str]], start: str, members: set[str]) -> list[str]:
    """The shortest cycle start -> ... -> start inside ``members`` (BFS; ties: smallest ids).

    Returns the nodes of the cycle, starting (and not repeating) ``start``; [] if none.
    """
    parent: dict[str, str] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in adj.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(parent[path[-1]])
                return path[::-1]
            if nxt in members and nxt not in seen:
                seen.add(nxt)
                parent[nxt] = node
                queue.append(nxt)
    return []


def cycle_text(cycle: list[str]) -> str:
    return "->".join([*cycle, cycle[0]]) if cycle else ""


class Condensation:
    """The DAG of strongly connected components of a graph, in topological order."""

    def __init__(self, adj: dict[str, list[str]]):
        comps = strongly_connected(adj)
        comps.reverse()  # Tarjan emits reverse topological order
        self.components: list[list[str]] = comps
        self.comp_of: dict[str, int] = {n: i for i, c in enumerate(comps) for n in c}
        succ: list[set[int]] = [set() for _ in comps]
        for a, bs in adj.items():
            ca = self.comp_of[a]
            for b in bs:
                cb = self.comp_of[b]
                if ca != cb:
                    succ[ca].add(cb)
        self.succ: list[list[int]] = [sorted(s) for s in succ]

    def label(self, c: int) -> str:
        """How a chain names a component: its id, or its members (the first few) in brackets."""
        members = self.components[c]
        if len(members) == 1:
            return members[0]
        if len(members) <= 4:
            return "(" + ", ".join(members) + ")"
        return f"({', '.join(members[:3])} and {len(members) - 3} more in a cycle)"

    def shown(self, c: int) -> list[str]:
        """The ids of a component a finding lists: all of a small one, the first few of a big
        one (``sync-cycle`` lists every member), so one giant cycle cannot make every chain
        finding through it as large as the cycle."""
        members = self.components[c]
        return members if len(members) <= 4 else members[:3]

    def longest_paths(self) -> tuple[list[int], list[int]]:
        """For each component: the most edges on a path leaving it, and the next component on
        one such path (-1 at the end). Ties go to the component with the smallest first id."""
        n = len(self.components)
        length = [0] * n
        nxt = [-1] * n
        for c in range(n - 1, -1, -1):  # reverse topological: successors are done
            best, best_next = 0, -1
            for s in sorted(self.succ[c], key=lambda k: self.components[k][0]):
                if length[s] + 1 > best:
                    best, best_next = length[s] + 1, s
            length[c], nxt[c] = best, best_next
        return length, nxt
