from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.checks import run_checks


def test_missing_dot_is_reported_with_the_install_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    messages = [m for m in run_checks() if m.id == "workbench.W001"]
    assert len(messages) == 1
    assert "apt-get install graphviz" in (messages[0].hint or "")
    assert "brew install graphviz" in (messages[0].hint or "")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed here")
def test_no_warning_when_dot_is_installed() -> None:
    assert not [m for m in run_checks() if m.id == "workbench.W001"]
