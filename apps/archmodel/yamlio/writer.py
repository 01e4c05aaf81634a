"""Writing plain data as canonical YAML (through ``emit``) or as JSON."""

from __future__ import annotations

import json
from typing import Any

from .emit import emit


def dump_yaml_data(data: Any) -> str:
    """Write plain data as canonical YAML (the caller orders the keys); see ``emit``."""
    return emit(data)


def dump_json_data(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
