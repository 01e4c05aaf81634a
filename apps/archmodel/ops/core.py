"""The op vocabulary (kinds, keys, address fields), ``OpError``, and the copy-on-write
document every op edits, with the small helpers the other modules share."""

from __future__ import annotations

from typing import Any

from ..spec import KIND_COLLECTION

ELEMENT_KINDS = (*KIND_COLLECTION, "api")
# A service's connections held in its own lists, addressed "service->target" like calls:
# kind → (the service's list, the entry's target field, the verb people read).
LINKS = {
    "data": ("data", "store", "accesses"),
    "publish": ("publishes", "event", "publishes"),
    "subscribe": ("subscribes", "event", "subscribes to"),
}
KINDS = (*ELEMENT_KINDS, "call", *LINKS, "route", "suppression", "model")
OP_KEYS = frozenset({"op", "kind", "id", "parent", "value", "set", "cascade", "index"})
# Fields that are the element's address; changing them is a remove + add.
IDENTITY = {
    "call": ("to",),
    "route": ("path",),
    "suppression": ("rule", "target"),
    **{kind: (field,) for kind, (_, field, _) in LINKS.items()},
}
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


def _a(kind: str) -> str:
    return ("an " if kind[:1] in "aeiou" else "a ") + kind
