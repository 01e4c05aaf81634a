"""Removing an element: what references it, and how ``"cascade": true`` removes those too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .core import ELEMENT_KINDS, OpError, Path, _as_dict, _Doc, _items
from .locate import _call_indices, _locate, _parse_call


@dataclass(frozen=True, slots=True)
class Ref:
    """Something that references an element being removed, and how a cascade removes it."""

    path: Path  # the container holding the reference
    key: str | int  # the list index to drop, or the field to unset
    action: str  # "drop" | "unset" | "block"
    label: str  # for people: "service 'orders' calls it"


# --- removing, with references ---------------------------------------------------------------


def _remove(doc: _Doc, op: dict[str, Any], ptr: str) -> str:
    path, label = _locate(doc, op, ptr)
    kind = op["kind"]
    element = doc.get(path)
    ids: set[str] = set()
    edges: set[str] = set()
    sources: set[str] = set()
    if kind in ELEMENT_KINDS:
        ids.add(element["id"])
        if kind == "service":
            ids.update(
                a["id"] for a in _items(element, "apis") if isinstance(a, dict) and "id" in a
            )
        if kind in ("service", "actor"):
            sources.add(element["id"])
    elif kind == "call":
        source, target = _parse_call(op, ptr)
        if len(_call_indices(doc, path[:2], target)) == 1:
            edges.add(f"{source}->{target}")
    refs = _references(doc.data, ids, edges, sources, skip=path)
    if refs:
        blocked = [r for r in refs if r.action == "block"]
        if not op.get("cascade") or blocked:
            shown = blocked or refs
            listing = "; ".join(r.label for r in shown[:20]) + (" ..." if len(shown) > 20 else "")
            if blocked:
                raise OpError(
                    ptr + "/id",
                    f"cannot remove {label}: {listing} (a required reference; "
                    "change or remove those first)",
                )
            raise OpError(
                ptr + "/id",
                f"cannot remove {label}, it is referenced: {listing}. Remove "
                'those first, or pass "cascade": true to remove them too',
            )
        _cascade(doc, refs)
    # The cascade only drops items from other lists (calls, steps, suppressions of other
    # elements), so the element's own index is still valid here.
    container = doc.mut(path[:-1])
    del container[path[-1]]
    extra = f" and {len(refs)} reference(s)" if refs else ""
    return f"removed {label}{extra}"


def _references(
    doc: dict[str, Any], ids: set[str], edges: set[str], sources: set[str], skip: Path
) -> list[Ref]:
    """Everything outside the element at ``skip`` that references ``ids`` or a call edge."""
    refs: list[Ref] = []

    def inside(path: Path) -> bool:
        return path[: len(skip)] == skip

    def calls(owner: Path, who: str, calls_list: Any) -> None:
        for j, c in enumerate(calls_list if isinstance(calls_list, list) else []):
            call = _as_dict(c, "to")
            if call.get("to") in ids:
                refs.append(Ref((*owner, "calls"), j, "drop", f"{who} calls '{call['to']}'"))
            elif call.get("api") in ids:
                refs.append(
                    Ref((*owner, "calls", j), "api", "unset", f"{who} calls api '{call['api']}'")
                )

    for i, s in enumerate(_items(doc, "services")):
        own = ("services", i)
        if not isinstance(s, dict) or inside(own):
            continue
        who = f"service '{s.get('id')}'"
        for field in ("domain", "team"):
            if s.get(field) in ids:
                refs.append(Ref(own, field, "unset", f"{who} has {field} '{s[field]}'"))
        for field, key in (
            ("uses", None),
            ("publishes", "event"),
            ("subscribes", "event"),
            ("data", "store"),
        ):
            for j, item in enumerate(_items(s, field)):
                target = _as_dict(item, key).get(key) if key else item
                if target in ids:
                    refs.append(Ref((*own, field), j, "drop", f"{who} {field} '{target}'"))
        calls(own, who, s.get("calls"))
        for j, r in enumerate(_items(s, "routes")):
            if not isinstance(r, dict):
                continue
            if r.get("to") in ids:
                refs.append(
                    Ref((*own, "routes"), j, "drop", f"{who} routes {r.get('path')} to '{r['to']}'")
                )
            elif r.get("api") in ids:
                refs.append(
                    Ref((*own, "routes", j), "api", "unset", f"{who} routes to api '{r['api']}'")
                )
    for i, a in enumerate(_items(doc, "actors")):
        if isinstance(a, dict) and not inside(("actors", i)):
            calls(("actors", i), f"actor '{a.get('id')}'", a.get("calls"))
    for i, d in enumerate(_items(doc, "datastores")):
        if isinstance(d, dict) and d.get("owner") in ids and not inside(("datastores", i)):
            refs.append(
                Ref(
                    ("datastores", i), "owner", "unset", f"datastore '{d.get('id')}' is owned by it"
                )
            )
    for i, e in enumerate(_items(doc, "events")):
        if isinstance(e, dict) and e.get("broker") in ids and not inside(("events", i)):
            refs.append(
                Ref(("events", i), "broker", "block", f"event '{e.get('id')}' is carried by it")
            )
    for i, saga in enumerate(_items(doc, "sagas")):
        if not isinstance(saga, dict) or inside(("sagas", i)):
            continue
        for j, step in enumerate(_items(saga, "steps")):
            if isinstance(step, dict) and step.get("service") in ids:
                refs.append(
                    Ref(
                        ("sagas", i, "steps"),
                        j,
                        "drop",
                        f"saga '{saga.get('id')}' has a step in it",
                    )
                )
    routes_left = {
        s["id"]: {
            r.get("path") for r in _items(s, "routes") if _as_dict(r, "to").get("to") not in ids
        }
        for s in _items(doc, "services")
        if isinstance(s, dict) and s.get("kind") == "gateway"
    }
    for i, journey in enumerate(_items(doc, "journeys")):
        if not isinstance(journey, dict) or inside(("journeys", i)):
            continue
        who = f"journey '{journey.get('id')}'"
        # A journey whose entry or gateway route goes away goes with it (its other references
        # are then moot: dropping them too would shift the indices of the list it left).
        if journey.get("entry") in ids:
            refs.append(Ref(("journeys",), i, "drop", f"{who} starts at it"))
            continue
        if "route" in journey and journey["route"] not in routes_left.get(
            journey.get("entry"), {journey["route"]}
        ):
            refs.append(
                Ref(("journeys",), i, "drop", f"{who} follows its route {journey['route']}")
            )
            continue
        for j, item in enumerate(_items(journey, "calls")):
            src, _, dst = str(item).partition("->")
            if item in edges or src in ids or dst in ids:
                refs.append(Ref(("journeys", i, "calls"), j, "drop", f"{who} follows {item}"))
    for j, sup in enumerate(_items(doc, "suppressions")):
        if not isinstance(sup, dict) or inside(("suppressions", j)):
            continue
        target = str(sup.get("target", ""))
        src, arrow, dst = target.partition("->")
        if target in ids or target in edges or (arrow and (src in sources or dst in ids)):
            refs.append(
                Ref(("suppressions",), j, "drop", f"suppression '{sup.get('rule')}:{target}'")
            )
    return refs


def _cascade(doc: _Doc, refs: list[Ref]) -> None:
    for ref in refs:
        if ref.action == "unset":
            doc.mut(ref.path).pop(ref.key, None)
    drops: dict[Path, list[int]] = {}
    for ref in refs:
        if ref.action == "drop":
            drops.setdefault(ref.path, []).append(int(ref.key))
    # Deeper lists first: dropping an item of an outer list (a journey) would shift the path of
    # an inner one (that journey's neighbours' calls).
    for path, indices in sorted(drops.items(), key=lambda kv: -len(kv[0])):
        items = doc.mut(path)
        for j in sorted(set(indices), reverse=True):
            del items[j]
