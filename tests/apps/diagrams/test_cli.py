"""``workbench diagram``: files out, filters, exit codes."""

from __future__ import annotations

from workbench.cli import main

from .support import EXAMPLES


def test_the_cli_writes_each_format(tmp_path):
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("dot", b"digraph")):
        out = tmp_path / f"d.{fmt}"
        assert (
            main(["diagram", str(EXAMPLES[0]), "--view", "events", "--format", fmt, "-o", str(out)])
            == 0
        )
        assert out.read_bytes().startswith(magic)


def test_the_cli_filters_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "d.svg"
    assert main(["diagram", str(EXAMPLES[0]), "--focus", "payments", "-o", str(out)]) == 0
    assert b'data-id="shipping"' not in out.read_bytes()
    assert main(["diagram", str(EXAMPLES[0]), "--team", "nope", "-o", str(out)]) == 2
    assert "unknown team" in capsys.readouterr().err
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: workbench/v1\nname: x\nservices: [{id: A}]\n")
    assert main(["diagram", str(bad), "-o", str(out)]) == 2
