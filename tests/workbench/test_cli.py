"""The `workbench` command line: fmt and validate, as a CI job would run them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from apps.archmodel import dump_yaml, load_model
from tests.support import shop_path
from workbench.cli import main

VALID = "apiVersion: workbench/v1\nname: shop\nservices: [{id: a}]\n"
INVALID = "apiVersion: workbench/v1\nname: shop\nservices:\n  - id: a\n    calls: [paymnts]\n  - id: payments\n"


@pytest.fixture
def write(tmp_path):
    def _write(text: str, name: str = "model.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return _write


def test_validate_exits_0_for_a_valid_model(write, capsys):
    assert main(["validate", write(VALID)]) == 0
    assert "valid workbench/v1 model 'shop'" in capsys.readouterr().out


def test_validate_exits_2_with_file_line_and_message(write, capsys):
    path = write(INVALID)
    assert main(["validate", path]) == 2
    err = capsys.readouterr().err
    assert (
        f"{path}:5:13: dangling-reference: unknown service 'paymnts' — did you mean 'payments'?"
        in err
    )


def test_validate_json_has_pointer_line_column_message(write, capsys):
    assert main(["validate", write(INVALID), "--format", "json"]) == 2
    out = json.loads(capsys.readouterr().out)
    (error,) = out["errors"]
    assert error["pointer"] == "/services/0/calls/0"
    assert (error["line"], error["column"]) == (5, 13)
    assert "did you mean 'payments'" in error["message"]


def test_validate_json_of_a_valid_model_is_an_empty_error_list(write, capsys):
    assert main(["validate", write(VALID), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"errors": []}


def test_fmt_prints_canonical_yaml(write, capsys):
    assert main(["fmt", str(shop_path())]) == 0
    out = capsys.readouterr().out
    assert out == dump_yaml(load_model(shop_path().read_bytes()))


def test_fmt_check_exits_1_for_non_canonical_and_0_after_write(write, capsys):
    path = write("name: shop\napiVersion: workbench/v1\n")
    assert main(["fmt", "--check", path]) == 1
    assert "not in canonical form" in capsys.readouterr().err
    assert main(["fmt", "-w", path]) == 0
    assert main(["fmt", "--check", path]) == 0


def test_a_missing_file_is_a_usage_error(capsys):
    assert main(["validate", "/nonexistent/model.yaml"]) == 2
    assert "cannot read /nonexistent/model.yaml" in capsys.readouterr().err


def test_the_console_script_reads_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "workbench.cli", "validate", "-"],
        input=VALID.encode(),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


BAD_RESOURCES = (
    "apiVersion: workbench/v1\nname: shop\nservices:\n"
    "  - id: api\n    deploy: {resources: {cpu: two, memory: lots}}\n"
)


def test_export_of_a_model_with_bad_quantities_exits_2_with_every_error(write, tmp_path, capsys):
    out = tmp_path / "bundle.zip"
    assert main(["export", write(BAD_RESOURCES), "--target", "compose", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and not out.exists()
    assert "/services/0/deploy/resources/cpu" in err and "did you mean '2'" in err
    assert "/services/0/deploy/resources/memory" in err and "'lots'" in err
    assert "2 error(s)" in err


def test_export_as_a_process_prints_no_traceback_for_a_bad_model(write, tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench.cli",
            "export",
            write(BAD_RESOURCES),
            "-o",
            str(tmp_path / "b.zip"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "cpu" in done.stderr
