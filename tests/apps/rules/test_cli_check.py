"""``workbench check``: offline by default, exit codes 0/1/2, every format."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

from tests.support import REPO, shop_path
from workbench.cli import main


def run(capsys, *argv):
    code = main(["check", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_shop_fails_on_errors_with_text_grouped_by_severity(capsys):
    code, out, _ = run(capsys, str(shop_path()))
    assert code == 1
    assert "Errors (1)" in out and "wobbly-call" in out and "fix:" in out
    assert f"{shop_path()}:91:" in out
    assert "\033[" not in out  # not a TTY


def test_fail_on_and_passing_model(tmp_path, capsys):
    f = tmp_path / "ok.yaml"
    f.write_text("apiVersion: workbench/v1\nname: ok\nservices:\n  - {id: a, health: true}\n")
    assert run(capsys, str(f))[0] == 0
    code, out, _ = run(capsys, str(f), "--fail-on", "info")
    assert code == 1 and "missing-telemetry" in out


def test_formats(capsys):
    code, out, _ = run(capsys, str(shop_path()), "--format", "json")
    assert code == 1 and json.loads(out)["summary"]["error"] == 1
    _, out, _ = run(capsys, str(shop_path()), "--format", "sarif", "--path", "arch/shop.yaml")
    assert (
        json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
            "artifactLocation"
        ]["uri"]
        == "arch/shop.yaml"
    )
    _, out, _ = run(capsys, str(shop_path()), "--format", "junit")
    assert ET.fromstring(out).get("failures") == "1"


def test_an_invalid_model_exits_2_with_positions(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("apiVersion: workbench/v1\nname: bad\nvalidation:\n  disable: [wobly-call]\n")
    code, _, err = run(capsys, str(f))
    assert code == 2 and "bad.yaml:4" in err and "did you mean 'wobbly-call'" in err
    assert run(capsys, str(tmp_path / "missing.yaml"))[0] == 2


def test_the_offline_check_does_not_import_django():
    code = (
        "import sys; from workbench.cli import main; rc = main(['check', sys.argv[1], '--format', 'json']); "
        "sys.exit(3 if 'django' in sys.modules else rc)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(shop_path())], cwd=REPO, capture_output=True, check=False
    )
    assert proc.returncode == 1, proc.stderr


def test_check_against_a_server(live_server, world, capsys):
    code, out, _ = run(
        capsys,
        str(shop_path()),
        "--server",
        live_server.url,
        "--token",
        world.tokens["viewer_token"],
        "--format",
        "json",
    )
    assert code == 1 and json.loads(out)["summary"]["error"] == 1
    code, out, _ = run(
        capsys,
        str(shop_path()),
        "--server",
        live_server.url,
        "--token",
        world.tokens["viewer_token"],
    )
    assert code == 1 and "Errors (1)" in out
    code, _, err = run(capsys, str(shop_path()), "--server", live_server.url, "--token", "wbt_nope")
    assert code == 2 and "401" in err
