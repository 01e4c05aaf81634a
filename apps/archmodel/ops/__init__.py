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

Addresses: elements by id; calls by ``"from->to"``; a service's data accesses, publishes and
subscribes (kinds ``data``, ``publish``, ``subscribe``) by ``"service->store"`` /
``"service->event"`` (add appends one entry, so concurrent additions all survive);
routes by gateway ``parent`` + path;
suppressions by ``"rule:target"``; ``kind: "model"`` updates top-level fields (title, ...).
Field-level merge is what lets two people edit different fields of one element concurrently.

Modules: ``core`` (the op vocabulary, ``OpError``, the copy-on-write document), ``locate``
(finding elements by address), ``apply`` (``apply_ops``; checking an op, add, update),
``remove`` (remove, the references to an element, cascade).
"""

from .apply import apply_ops
from .core import OpError

__all__ = ["OpError", "apply_ops"]
