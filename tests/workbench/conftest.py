from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Variables that would leak the outer test run's configuration into a fresh settings import.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")


@pytest.fixture
def load_settings() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Import a settings module in a fresh interpreter with the given environment and print the
    requested settings as JSON: settings are read once at import, so this is the honest test."""

    def load(
        module: str, env: dict[str, str] | None = None, names: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        clean = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        clean.update(env or {})
        clean["DJANGO_SETTINGS_MODULE"] = module
        code = (
            "import json, django; from django.conf import settings; django.setup();"
            f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
        )
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=clean,
            capture_output=True,
            text=True,
            timeout=60,
        )

    return load


def settings_json(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
