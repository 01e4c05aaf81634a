"""``apply_ops`` and applying one op: checking its shape, then add and update."""

from __future__ import annotations

from typing import Any

from ..spec import KIND_COLLECTION
from ..validate import did_you_mean
from .core import (
    ELEMENT_KINDS,
    IDENTITY,
    KINDS,
    LINKS,
    MODEL_FIELDS,
    OP_KEYS,
    OpError,
    _a,
    _as_dict,
    _Doc,
    _items,
)
from .locate import (
    _all_ids,
    _call_indices,
    _find,
    _link_indices,
    _locate,
    _parse_call,
    _parse_link,
    _parse_suppression,
    _required_parent,
)
from .remove import _remove


def apply_ops(
    document: dict[str, Any], ops: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[str]]:
    """Apply ``ops`` in order to a copy of ``document``; all succeed or ``OpError`` is raised."""
    if not isinstance(ops, list):
        raise OpError("", "expected a list of ops")
    doc = _Doc(document)
    summary = []
    for i, op in enumerate(ops):
        summary.append(_apply(doc, op, f"/{i}"))
    return doc.data, summary


# --- applying one op -----------------------------------------------------------------------------


def _apply(doc: _Doc, op: Any, ptr: str) -> str:
    if not isinstance(op, dict):
        raise OpError(ptr, 'an op is a mapping like {"op": "update", "kind": "service", ...}')
    unknown = sorted(set(op) - OP_KEYS)
    if unknown:
        raise OpError(
            f"{ptr}/{unknown[0]}", f"unknown key '{unknown[0]}'{did_you_mean(unknown[0], OP_KEYS)}"
        )
    verb, kind = op.get("op"), op.get("kind")
    if verb not in ("add", "update", "remove"):
        raise OpError(ptr + "/op", f"'op' must be add, update or remove, got {verb!r}")
    if kind not in KINDS:
        hint = did_you_mean(kind, KINDS) if isinstance(kind, str) else ""
        raise OpError(ptr + "/kind", f"unknown kind {kind!r}{hint}; one of {', '.join(KINDS)}")
    if kind != "model" and not (isinstance(op.get("id"), str) and op["id"]):
        raise OpError(ptr + "/id", f"a {kind} op needs an 'id' (text)")
    if kind == "model" and verb != "update":
        raise OpError(ptr + "/op", "the model itself can only be updated")
    for key, expected in (("parent", str), ("cascade", bool), ("index", int)):
        # type() rather than isinstance(): true/false must not pass as an index.
        if key in op and type(op[key]) is not expected:
            raise OpError(
                f"{ptr}/{key}", f"'{key}' must be {_a(expected.__name__)}, got {op[key]!r}"
            )
    if verb == "add":
        return _add(doc, op, ptr)
    if verb == "update":
        return _update(doc, op, ptr)
    return _remove(doc, op, ptr)


def _add(doc: _Doc, op: dict[str, Any], ptr: str) -> str:
    kind, address = op["kind"], op["id"]
    value = op.get("value", {})
    if not isinstance(value, dict):
        raise OpError(ptr + "/value", "'value' must be a mapping of the element's fields")
    value = dict(value)
    if kind in ELEMENT_KINDS:
        _fill(value, "id", address, ptr)
        existing = _all_ids(doc.data).get(address)
        if existing is not None:
            where = "/" + "/".join(str(k) for k in existing[1])
            raise OpError(
                ptr + "/id",
                f"duplicate id '{address}': already used by the {existing[0]} "
                f"at {where}; ids are unique across all kinds of element",
            )
        if kind == "api":
            parent = _required_parent(op, ptr, "the id of the service that provides it")
            owner = _find(doc.data, "service", parent, ptr + "/parent")
            doc.mut_list((*owner, "apis")).append(value)
            return f"added api '{address}' to '{parent}'"
        doc.mut_list((KIND_COLLECTION[kind],)).append(value)
        return f"added {kind} '{address}'"
    if kind == "call":
        source, target = _parse_call(op, ptr)
        _fill(value, "to", target, ptr)
        owner = _find(doc.data, "service", source, ptr + "/id", kinds=("service", "actor"))
        count = len(_call_indices(doc, owner, target))
        if count:
            raise OpError(ptr + "/id", f"{source} already calls {target}")
        doc.mut_list((*owner, "calls")).append(value)
        return f"added call {source}->{target}"
    if kind in LINKS:
        # Appends one entry to the service's list: two people adding connections at once both
        # keep theirs (an update of the whole list would keep only the later one).
        field, key, verb = LINKS[kind]
        source, target = _parse_link(op, ptr)
        _fill(value, key, target, ptr)
        owner = _find(doc.data, "service", source, ptr + "/id")
        if _link_indices(doc, owner, kind, target):
            raise OpError(ptr + "/id", f"{source} already {verb} {target}")
        doc.mut_list((*owner, field)).append(value)
        return f"added {kind} {source}->{target}"
    if kind == "route":
        gateway = _required_parent(op, ptr, "the gateway's id")
        _fill(value, "path", address, ptr)
        owner = _find(doc.data, "service", gateway, ptr + "/parent")
        if any(
            isinstance(r, dict) and r.get("path") == address
            for r in _items(doc.get(owner), "routes")
        ):
            raise OpError(ptr + "/id", f"gateway '{gateway}' already has a route '{address}'")
        doc.mut_list((*owner, "routes")).append(value)
        return f"added route {gateway} {address}"
    # suppression
    rule, target = _parse_suppression(address, ptr)
    _fill(value, "rule", rule, ptr)
    _fill(value, "target", target, ptr)
    for s in _items(doc.data, "suppressions"):
        if isinstance(s, dict) and (s.get("rule"), s.get("target")) == (rule, target):
            raise OpError(ptr + "/id", f"suppression '{address}' already exists; update it instead")
    doc.mut_list(("suppressions",)).append(value)
    return f"added suppression {address}"


def _fill(value: dict[str, Any], field: str, expected: str, ptr: str) -> None:
    """The address is the element's identity; ``value`` may repeat it but not contradict it."""
    if field in value and value[field] != expected:
        raise OpError(
            f"{ptr}/value/{field}",
            f"'{field}' is {value[field]!r} but the op addresses {expected!r}",
        )
    value[field] = expected
    # Keep the identity field first, as in the canonical form (the validator reorders anyway).
    value_items = [(field, expected), *((k, v) for k, v in value.items() if k != field)]
    value.clear()
    value.update(value_items)


def _update(doc: _Doc, op: dict[str, Any], ptr: str) -> str:
    changes = op.get("set")
    if not isinstance(changes, dict) or not changes:
        raise OpError(
            ptr + "/set", "'set' must be a non-empty mapping of field → new value (null unsets)"
        )
    kind = op["kind"]
    fixed = ("id",) if kind in ELEMENT_KINDS else IDENTITY.get(kind, ())
    for name in changes:
        if not isinstance(name, str):
            raise OpError(ptr + "/set", "field names are text")
        if name in fixed:
            raise OpError(
                f"{ptr}/set/{name}",
                f"'{name}' is the {kind}'s address and cannot be "
                "updated; remove it and add it under the new one",
            )
        if kind == "model" and name not in MODEL_FIELDS and not name.startswith("x-"):
            raise OpError(
                f"{ptr}/set/{name}",
                f"the model's '{name}' cannot be set here; one of {', '.join(MODEL_FIELDS)}",
            )
    path, label = _locate(doc, op, ptr)
    if kind == "call" or kind in LINKS:  # a bare "payments" is shorthand for {to: payments}
        container = doc.mut(path[:-1])
        container[path[-1]] = _as_dict(container[path[-1]], IDENTITY[kind][0])
    element = doc.mut(path)
    for name, new in changes.items():
        if new is None:
            element.pop(name, None)
        else:
            element[name] = new
    return f"updated {label}: {', '.join(changes)}"
