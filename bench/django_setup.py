"""Django for the benchmarks that need the database: a private SQLite file, migrated, and limits
that admit the 5,000-service model."""

from __future__ import annotations

import os
from pathlib import Path


def setup_django(db_path: Path) -> None:
    import django
    from django.conf import settings

    if not settings.configured:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
        os.environ.setdefault("WORKBENCH_MAX_MODEL_BYTES", str(64 * 1024 * 1024))
        os.environ.setdefault("WORKBENCH_MAX_ELEMENTS", "1000000")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings.test")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
