from __future__ import annotations

from typing import Any

from ninja import Schema


class ImportApplyIn(Schema):
    document: dict[str, Any]
    base_revision: int
