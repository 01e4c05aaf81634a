"""The id namespace shared by all kinds of element, the element-count limit, and resolving
a reference to an element of the right kind (or an api to the service that provides it)."""

from __future__ import annotations

from typing import Any

from ..errors import ModelError
from ..limits import Limits
from ..spec import COLLECTIONS
from ..validate import did_you_mean
from .values import _a, _dict


class References:
    """The state a build shares: the document, its ids and their kinds, and the errors."""

    def __init__(self, doc: dict[str, Any], limits: Limits, source_order: list[str] | None = None):
        self.doc = doc
        # Duplicate ids are reported at the later definition in the file, so follow its order.
        self.order = [k for k in (source_order or []) if k in COLLECTIONS] or list(COLLECTIONS)
        self.limits = limits
        self.errors: list[ModelError] = []
        self.kinds: dict[str, str] = {}  # id -> element kind
        self.first: dict[str, str] = {}  # id -> pointer of its first definition
        self.api_owner: dict[str, str] = {}  # api id -> service id
        self.apis: dict[str, dict] = {}
        defaults = self.defaults = _dict(doc.get("defaults"))
        self.call_defaults = _dict(defaults.get("call"))
        self.service_defaults = _dict(defaults.get("service"))

    def error(self, pointer: str, message: str, kind: str) -> None:
        self.errors.append(ModelError(pointer, message, kind))

    # --- ids and references -------------------------------------------------------------------

    def collect_ids(self) -> None:
        count = 0
        for coll in self.order:
            kind = COLLECTIONS[coll]
            items = self.doc.get(coll)
            if not isinstance(items, list):
                continue
            for i, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                count += self._define(item.get("id"), kind, f"/{coll}/{i}/id")
                if kind == "service" and isinstance(item.get("apis"), list):
                    for j, api in enumerate(item["apis"]):
                        if isinstance(api, dict) and self._define(
                            api.get("id"), "api", f"/services/{i}/apis/{j}/id"
                        ):
                            count += 1
                            if isinstance(item.get("id"), str):
                                self.api_owner.setdefault(api["id"], item["id"])
                                self.apis.setdefault(api["id"], api)
        if count > self.limits.max_elements:
            self.error(
                "",
                f"the model has {count:,} elements; the limit is "
                f"{self.limits.max_elements:,}. Split it, or ask an administrator to raise "
                "WORKBENCH_MAX_ELEMENTS.",
                "limit",
            )

    def _define(self, element_id: Any, kind: str, pointer: str) -> int:
        if not isinstance(element_id, str):
            return 0
        if element_id in self.kinds:
            first = self.first[element_id]
            self.error(
                pointer,
                f"duplicate id '{element_id}': already used by the {self.kinds[element_id]} "
                f"at {first}; ids are unique across all kinds of element",
                "duplicate-id",
            )
            return 0
        self.kinds[element_id] = kind
        self.first[element_id] = pointer
        return 1

    def ref(self, value: Any, expected: str, pointer: str) -> bool:
        """Check that ``value`` names an element of kind ``expected``; report it otherwise."""
        if not isinstance(value, str):
            return False
        kind = self.kinds.get(value)
        if kind == expected:
            return True
        if kind is None:
            same_kind = [i for i, k in self.kinds.items() if k == expected]
            self.error(
                pointer,
                f"unknown {expected} '{value}'{did_you_mean(value, same_kind)}",
                "dangling-reference",
            )
        else:
            self.error(
                pointer, f"'{value}' is {_a(kind)}, not {_a(expected)}", "dangling-reference"
            )
        return False

    def _api_of(self, api_id: Any, service_id: Any, pointer: str) -> bool:
        if not self.ref(api_id, "api", pointer):
            return False
        owner = self.api_owner.get(api_id)
        if isinstance(service_id, str) and owner != service_id:
            theirs = [a for a, o in self.api_owner.items() if o == service_id]
            hint = (
                f"; '{service_id}' provides: {', '.join(theirs)}"
                if theirs
                else f"; '{service_id}' provides no api"
            )
            self.error(
                pointer,
                f"api '{api_id}' is provided by '{owner}', not by '{service_id}'{hint}",
                "dangling-reference",
            )
            return False
        return True
