"""Revision deltas: a document stored as its change from the document before it.

A delta knows nothing of the format's meaning, so replaying it never depends on how element ops
or validation behave in a later version; it only knows that a top-level list whose items all
carry a unique string ``id`` is a collection of elements:

    {
      "keys": ["apiVersion", "name", "services", ...],    # the new top-level keys, in order
      "values": {"title": "New title"},                    # top-level values replaced whole
      "lists": {"services": {"del": ["old-id"],            # collection items removed,
                             "put": {"orders": {...}},     # changed or added (whole items),
                             "order": ["a", "b", ...]}},   # the new order, only if it is not
    }                                                      # "kept ones, then the added ones"

``document_delta(old, new)`` makes one, ``apply_delta(old, delta)`` replays it. Items are
compared with ``==``, which does not see key order; canonical documents have one key order, and
callers check the replayed document against the new one's canonical text anyway
(``apps.architectures`` does when it writes a delta, and against the content hash when it reads
one back). Key order inside items is kept: items are stored whole.
"""

from __future__ import annotations

from typing import Any

Delta = dict[str, Any]


def _keyed(value: Any) -> dict[str, Any] | None:
    """{id: item} when ``value`` is a list of dicts with unique string ids, else None."""
    if not isinstance(value, list):
        return None
    out: dict[str, Any] = {}
    for item in value:
        if not isinstance(item, dict):
            return None
        ident = item.get("id")
        if not isinstance(ident, str) or ident in out:
            return None
        out[ident] = item
    return out


def document_delta(old: dict[str, Any], new: dict[str, Any]) -> Delta:
    """What turns ``old`` into ``new``: O(size) comparisons, O(change) output."""
    values: dict[str, Any] = {}
    lists: dict[str, Any] = {}
    for key, value in new.items():
        before = old.get(key, _MISSING)
        if before is _MISSING:
            values[key] = value
            continue
        if before is value:
            continue
        old_items, new_items = _keyed(before), _keyed(value)
        if old_items is None or new_items is None:
            if before != value:
                values[key] = value
            continue
        change = _list_delta(old_items, new_items)
        if change:
            lists[key] = change
    delta: Delta = {"keys": list(new)}
    if values:
        delta["values"] = values
    if lists:
        delta["lists"] = lists
    return delta


def _list_delta(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    removed = [ident for ident in old if ident not in new]
    put = {ident: item for ident, item in new.items() if ident not in old or old[ident] != item}
    change: dict[str, Any] = {}
    if removed:
        change["del"] = removed
    if put:
        change["put"] = put
    expected = [i for i in old if i in new] + [i for i in put if i not in old]
    if list(new) != expected:
        change["order"] = list(new)
    return change


def apply_delta(old: dict[str, Any], delta: Delta) -> dict[str, Any]:
    """The document ``delta`` was made for, from the one it was made against."""
    values = delta.get("values", {})
    lists = delta.get("lists", {})
    new: dict[str, Any] = {}
    for key in delta["keys"]:
        if key in values:
            new[key] = values[key]
        elif key in lists:
            new[key] = _apply_list(old[key], lists[key])
        else:
            new[key] = old[key]
    return new


def _apply_list(items: list[dict[str, Any]], change: dict[str, Any]) -> list[dict[str, Any]]:
    removed = set(change.get("del", ()))
    put: dict[str, Any] = change.get("put", {})
    by_id = {item["id"]: item for item in items}
    order = change.get("order")
    if order is None:
        order = [i for i in by_id if i not in removed] + [i for i in put if i not in by_id]
    return [put[i] if i in put else by_id[i] for i in order]


class _Missing:
    pass


_MISSING: Any = _Missing()
