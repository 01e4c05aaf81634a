"""Finding elements: the one id namespace, and the path an update or remove addresses."""

from __future__ import annotations

from typing import Any

from ..spec import COLLECTIONS, KIND_COLLECTION
from ..validate import did_you_mean
from .core import LINKS, OpError, Path, _a, _as_dict, _Doc, _items

# --- finding elements ----------------------------------------------------------------------------


def _all_ids(doc: dict[str, Any]) -> dict[str, tuple[str, Path]]:
    """Every id in the model's one namespace → (kind, path of the element)."""
    out: dict[str, tuple[str, Path]] = {}
    for coll, kind in COLLECTIONS.items():
        for i, item in enumerate(_items(doc, coll)):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                out.setdefault(item["id"], (kind, (coll, i)))
                if kind == "service":
                    for j, api in enumerate(_items(item, "apis")):
                        if isinstance(api, dict) and isinstance(api.get("id"), str):
                            out.setdefault(api["id"], ("api", (coll, i, "apis", j)))
    return out


def _find(
    doc: dict[str, Any], kind: str, element_id: str, ptr: str, *, kinds: tuple[str, ...] = ()
) -> Path:
    """Path of element ``element_id`` of ``kind`` (or one of ``kinds``), or a helpful OpError."""
    wanted = kinds or (kind,)
    ids = _all_ids(doc)
    found = ids.get(element_id)
    if found is None:
        same = [i for i, (k, _) in ids.items() if k in wanted]
        raise OpError(
            ptr, f"unknown {' or '.join(wanted)} '{element_id}'{did_you_mean(element_id, same)}"
        )
    if found[0] not in wanted:
        raise OpError(ptr, f"'{element_id}' is {_a(found[0])}, not {_a(' or '.join(wanted))}")
    return found[1]


def _parse_call(op: dict[str, Any], ptr: str) -> tuple[str, str]:
    address, parent = op["id"], op.get("parent")
    source, arrow, target = address.partition("->")
    if not arrow:
        if parent is None:
            raise OpError(
                ptr + "/id", f"a call is addressed as 'from->to' (e.g. 'orders->{address}')"
            )
        source, target = parent, address
    if parent is not None and parent != source:
        raise OpError(
            ptr + "/parent",
            f"parent '{parent}' does not match the caller '{source}' in '{address}'",
        )
    if not source or not target:
        raise OpError(ptr + "/id", f"'{address}' is not a call address; use 'from->to'")
    return source, target


def _parse_link(op: dict[str, Any], ptr: str) -> tuple[str, str]:
    """The service and the target of a data / publish / subscribe address ``service->target``."""
    source, arrow, target = op["id"].partition("->")
    if not arrow or not source or not target:
        example = {"data": "orders->orders-db", "publish": "orders->order-placed"}.get(
            op["kind"], "billing->order-placed"
        )
        raise OpError(
            ptr + "/id",
            f"a {op['kind']} connection is addressed as 'service->{LINKS[op['kind']][1]}' "
            f"(e.g. '{example}')",
        )
    return source, target


def _link_indices(doc: _Doc, owner: Path, kind: str, target: str) -> list[int]:
    field, key, _ = LINKS[kind]
    return [
        j
        for j, x in enumerate(_items(doc.get(owner), field))
        if _as_dict(x, key).get(key) == target
    ]


def _call_indices(doc: _Doc, owner: Path, target: str) -> list[int]:
    calls = _items(doc.get(owner), "calls")
    return [j for j, c in enumerate(calls) if _as_dict(c, "to").get("to") == target]


def _locate(doc: _Doc, op: dict[str, Any], ptr: str) -> tuple[Path, str]:
    """Path of the existing element an update/remove addresses, and its display name."""
    kind, address = op["kind"], op.get("id", "")
    if kind in KIND_COLLECTION:
        return _find(doc.data, kind, address, ptr + "/id"), f"{kind} '{address}'"
    if kind == "api":
        path = _find(doc.data, "api", address, ptr + "/id")
        owner = doc.get(path[:2])["id"]
        if op.get("parent") not in (None, owner):
            raise OpError(
                ptr + "/parent", f"api '{address}' belongs to '{owner}', not '{op['parent']}'"
            )
        return path, f"api '{address}'"
    if kind == "call":
        source, target = _parse_call(op, ptr)
        owner = _find(doc.data, "service", source, ptr + "/id", kinds=("service", "actor"))
        matches = _call_indices(doc, owner, target)
        index = op.get("index")
        if not matches:
            targets = [_as_dict(c, "to").get("to") for c in _items(doc.get(owner), "calls")]
            raise OpError(
                ptr + "/id",
                f"'{source}' does not call '{target}'"
                f"{did_you_mean(target, [t for t in targets if isinstance(t, str)])}",
            )
        if index is None and len(matches) > 1:
            raise OpError(
                ptr + "/index",
                f"'{source}' calls '{target}' {len(matches)} times; give "
                f"'index' 0..{len(matches) - 1}",
            )
        index = index or 0
        if not 0 <= index < len(matches):
            raise OpError(
                ptr + "/index",
                f"'{source}' calls '{target}' {len(matches)} time(s); index {index} does not exist",
            )
        return (*owner, "calls", matches[index]), f"call {source}->{target}"
    if kind in LINKS:
        source, target = _parse_link(op, ptr)
        owner = _find(doc.data, "service", source, ptr + "/id")
        matches = _link_indices(doc, owner, kind, target)
        if not matches:
            raise OpError(ptr + "/id", f"'{source}' has no {kind} connection to '{target}'")
        return (*owner, LINKS[kind][0], matches[0]), f"{kind} {source}->{target}"
    if kind == "route":
        gateway = _required_parent(op, ptr, "the gateway's id")
        owner = _find(doc.data, "service", gateway, ptr + "/parent")
        paths = [r.get("path") for r in _items(doc.get(owner), "routes") if isinstance(r, dict)]
        if address not in paths:
            raise OpError(
                ptr + "/id",
                f"gateway '{gateway}' has no route '{address}'"
                f"{did_you_mean(address, [p for p in paths if isinstance(p, str)])}",
            )
        return (*owner, "routes", paths.index(address)), f"route {gateway} {address}"
    if kind == "suppression":
        rule, target = _parse_suppression(address, ptr)
        for j, s in enumerate(_items(doc.data, "suppressions")):
            if isinstance(s, dict) and (s.get("rule"), s.get("target")) == (rule, target):
                return ("suppressions", j), f"suppression {address}"
        known = [
            f"{s.get('rule')}:{s.get('target')}"
            for s in _items(doc.data, "suppressions")
            if isinstance(s, dict)
        ]
        raise OpError(ptr + "/id", f"no suppression '{address}'{did_you_mean(address, known)}")
    return (), "the model"


def _required_parent(op: dict[str, Any], ptr: str, what: str) -> str:
    parent = op.get("parent")
    if not isinstance(parent, str):
        raise OpError(ptr + "/parent", f"a {op['kind']} needs 'parent': {what}")
    return parent


def _parse_suppression(address: str, ptr: str) -> tuple[str, str]:
    rule, colon, target = address.partition(":")
    if not colon or not rule or not target:
        raise OpError(
            ptr + "/id",
            f"a suppression is addressed as 'rule:target' (e.g. 'shared-database:{address}')",
        )
    return rule, target
