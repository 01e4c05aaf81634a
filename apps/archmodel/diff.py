"""Differences between two model documents: element by element, and as a unified YAML diff.

``diff_documents(a, b)`` keys every element by its address (the same addresses element ops
use: ids, ``from->to`` calls, gateway + path routes, ``rule:target`` suppressions), so a change
reads as "service 'orders': replicas 2 → 3" rather than as moved lines. A service's nested
apis, calls and routes are elements of their own and are left out of the service's fields.
"""

from __future__ import annotations

import difflib
from typing import Any

from .spec import COLLECTIONS
from .yamlio import dump_yaml_data

# Nested collections reported as elements of their own, not as fields of their owner.
NESTED = ("apis", "calls", "routes")
MODEL_FIELDS = ("apiVersion", "name", "title", "description", "defaults", "validation")

Key = tuple[str, str]  # (kind, address)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def elements(doc: dict[str, Any]) -> dict[Key, dict[str, Any]]:
    """Every addressable element of ``doc`` → {"kind", "id", "parent", "value"}, in model order."""
    out: dict[Key, dict[str, Any]] = {}

    def put(kind: str, address: str, value: Any, parent: str | None = None) -> None:
        out.setdefault(
            (kind, address), {"kind": kind, "id": address, "parent": parent, "value": value}
        )

    for coll, kind in COLLECTIONS.items():
        for item in _list(doc.get(coll)):
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                continue
            own = item["id"]
            if kind not in ("service", "actor"):
                put(kind, own, item)  # a journey's `calls` are edge names, not elements
                continue
            put(kind, own, {k: v for k, v in item.items() if k not in NESTED})
            for api in _list(item.get("apis")):
                if isinstance(api, dict) and isinstance(api.get("id"), str):
                    put("api", api["id"], api, own)
            seen: dict[str, int] = {}
            for call in _list(item.get("calls")):
                value = call if isinstance(call, dict) else {"to": call}
                edge = f"{own}->{value.get('to')}"
                n = seen[edge] = seen.get(edge, -1) + 1
                put("call", edge if n == 0 else f"{edge}#{n}", value, own)
            for route in _list(item.get("routes")):
                if isinstance(route, dict):
                    put("route", f"{own} {route.get('path')}", route, own)
    for sup in _list(doc.get("suppressions")):
        if isinstance(sup, dict):
            put("suppression", f"{sup.get('rule')}:{sup.get('target')}", sup)
    return out


def _fields(before: Any, after: Any) -> dict[str, dict[str, Any]]:
    """Field-level before/after of two element values (``None`` = absent)."""
    a = before if isinstance(before, dict) else {"value": before}
    b = after if isinstance(after, dict) else {"value": after}
    names = list(a) + [k for k in b if k not in a]
    return {k: {"before": a.get(k), "after": b.get(k)} for k in names if a.get(k) != b.get(k)}


def diff_documents(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``a`` to ``b``.

    Returns ``{"model": {field: {before, after}}, "added": [...], "removed": [...],
    "changed": [{"kind", "id", "parent", "fields": {field: {before, after}}}],
    "counts": {"added", "removed", "changed"}}``; added/removed items carry the element value.
    """
    ea, eb = elements(a), elements(b)
    added = [eb[k] for k in eb if k not in ea]
    removed = [ea[k] for k in ea if k not in eb]
    changed = []
    for key, new in eb.items():
        old = ea.get(key)
        if old is not None and old["value"] != new["value"]:
            changed.append(
                {
                    "kind": new["kind"],
                    "id": new["id"],
                    "parent": new["parent"],
                    "fields": _fields(old["value"], new["value"]),
                }
            )
    model = {
        k: {"before": a.get(k), "after": b.get(k)} for k in MODEL_FIELDS if a.get(k) != b.get(k)
    }
    return {
        "model": model,
        "added": added,
        "removed": removed,
        "changed": changed,
        "counts": {"added": len(added), "removed": len(removed), "changed": len(changed)},
    }


def summarize(diff: dict[str, Any]) -> list[str]:
    """One line per change, for revision summaries and logs."""
    lines = [f"changed model {name}" for name in diff["model"]]
    lines += [f"added {e['kind']} {_label(e)}" for e in diff["added"]]
    lines += [f"removed {e['kind']} {_label(e)}" for e in diff["removed"]]
    lines += [f"changed {e['kind']} {_label(e)}: {', '.join(e['fields'])}" for e in diff["changed"]]
    return lines


def _label(e: dict[str, Any]) -> str:
    return f"'{e['id']}'" if e["kind"] not in ("call", "route", "suppression") else e["id"]


def unified_yaml_diff(
    a: dict[str, Any], b: dict[str, Any], *, from_label: str = "a", to_label: str = "b"
) -> str:
    """A unified diff of the two documents' canonical YAML (empty when they are equal)."""
    lines = difflib.unified_diff(
        dump_yaml_data(a).splitlines(keepends=True),
        dump_yaml_data(b).splitlines(keepends=True),
        fromfile=from_label,
        tofile=to_label,
    )
    return "".join(lines)
