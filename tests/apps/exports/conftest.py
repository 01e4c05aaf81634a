from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage

from apps.exports.models import ExportJob
from tests.apps.workspaces.personas import world  # noqa: F401


@pytest.fixture(autouse=True)
def bundle_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Bundles of this test go to its own directory."""
    root = tmp_path / "exports"
    monkeypatch.setattr(
        ExportJob._meta.get_field("bundle"), "storage", FileSystemStorage(location=root)
    )
    return root
