"""Element operations: small, addressable edits of a model document, applied all or nothing.

``apply_ops(document, ops)`` returns a new document (the input is never mutated) and one human
summary line per op, or raises ``OpError`` naming the op that cannot apply. The result is not
yet validated: the caller runs ``model_from_data`` on it, which also canonicalises it.

An op::

    {"op": "add" | "update" | "remove", "kind": <kind>, "id": <address>,
     "parent": <owner id>,          # api (on add), call (optional), route (required)
     "value": {...},                # add: the element, id fields filled in from the address
     "set": {field: value | None},  # update: field-level merge, None unsets the field
     "cascade": true,               # remove: also remove what references the element
     "index": n}                    # call: the n-th call from the same source to the same target

Addresses: elements by id; calls by ``"from->to"``; routes by gateway ``parent`` + path;
suppressions by ``"rule:target"``; ``kind: "model"`` updates top-level fields (title, ...).
Field-level merge is what lets two people edit different fields of one element concurrently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .spec import COLLECTIONS, KIND_COLLECTION
from .validate import did_you_mean

ELEMENT_KINDS = (*KIND_COLLECTION, "api")
KINDS = (*ELEMENT_KINDS, "call", "route", "suppression", "model")
OP_KEYS = frozenset({"op", "kind", "id", "parent", "value", "set", "cascade", "index"})
# Fields that are the element's address; changing them is a remove + add.
IDENTITY = {"call": ("to",), "route": ("path",), "suppression": ("rule", "target")}
MODEL_FIELDS = ("name", "title", "description", "defaults", "validation")
Path = tuple[str | int, ...]


class OpError(ValueError):
    """An op that cannot apply; ``pointer`` points into the list of ops (``/2/id``)."""

    def __init__(self, pointer: str, message: str):
        self.pointer = pointer
        self.message = message
        super().__init__(f"{pointer}: {message}")

    def as_dict(self) -> dict[str, Any]:
        """The same shape as ``ModelError.as_dict`` so clients handle one error format."""
        return {
            "pointer": self.pointer,
            "line": None,
            "column": None,
            "kind": "op",
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class Ref:
    """Something that references an element being removed, and how a cascade removes it."""

    path: Path  # the container holding the reference
    key: str | int  # the list index to drop, or the field to unset
    action: str  # "drop" | "unset" | "block"
    label: str  # for people: "service 'orders' calls it"


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


# --- copy on write -------------------------------------------------------------------------------


class _Doc:
    """The document being edited: containers are copied on first write, so the caller's
    document is never touched and untouched elements are shared (cheap on big models)."""

    def __init__(self, document: dict[str, Any]):
        self.data: dict[str, Any] = dict(document)
        self._owned: set[int] = {id(self.data)}

    def get(self, path: Path) -> Any:
        node: Any = self.data
        for key in path:
            node = node[key]
        return node

    def mut(self, path: Path) -> Any:
        """The container at ``path``, made private to this edit (copied once)."""
        node: Any = self.data
        for key in path:
            child = node[key]
            if id(child) not in self._owned:
                child = list(child) if isinstance(child, list) else dict(child)
                node[key] = child
                self._owned.add(id(child))
            node = child
        return node

    def mut_list(self, path: Path) -> list[Any]:
        parent = self.mut(path[:-1])
        if not isinstance(parent.get(path[-1]), list):
            parent[path[-1]] = []
        return self.mut(path)


def _as_dict(item: Any, shorthand: str) -> dict[str, Any]:
    return dict(item) if isinstance(item, dict) else {shorthand: item}


def _items(doc: dict[str, Any], coll: str) -> list[Any]:
    items = doc.get(coll)
    return items if isinstance(items, list) else []


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


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind


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
        if count and op.get("index") != count:
            raise OpError(
                ptr + "/id",
                f"'{source}' already calls '{target}'; update that call, or add "
                f'another one with "index": {count}',
            )
        doc.mut_list((*owner, "calls")).append(value)
        return f"added call {source}->{target}"
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
    if kind == "call":  # a bare "payments" is shorthand for {to: payments}
        container = doc.mut(path[:-1])
        container[path[-1]] = _as_dict(container[path[-1]], "to")
    element = doc.mut(path)
    for name, new in changes.items():
        if new is None:
            element.pop(name, None)
        else:
            element[name] = new
    return f"updated {label}: {', '.join(changes)}"


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
    for path, indices in drops.items():
        items = doc.mut(path)
        for j in sorted(set(indices), reverse=True):
            del items[j]
