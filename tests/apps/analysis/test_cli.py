"""``workbench analyse`` and ``workbench simulate``: JSON per the contract, readable tables,
exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main

MINI = str(Path(__file__).parents[2] / "fixtures" / "analysis_mini.yaml")


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_analyse_prints_a_journey_table_and_exits_1_when_a_journey_is_over_target(capsys):
    code, out, _ = run(capsys, "analyse", MINI)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == "Journeys of mini (2)"
    assert lines[1].split() == [
        "journey", "entry", "nominal", "ms", "worst", "ms", "target", "ms", "avail", "%",
        "target", "%", "status", "cut",
    ]  # fmt: skip
    assert lines[3].split() == [
        "checkout",
        "gw",
        "185",
        "1250",
        "400",
        "99.3507",
        "99.5",
        "over-target",
    ]
    assert lines[4].split() == ["browse", "shopper", "25", "25", "50", "99.8001", "99.8", "ok"]
    assert "gw         2      0         checkout, browse" in out
    assert "critical-dependency: gw has 1 replica(s)" in out
    assert out.rstrip().endswith("1 journey(s) over target: checkout")


def test_analyse_json_is_the_contract(capsys):
    code, out, _ = run(capsys, "analyse", MINI, "--format", "json")
    data = json.loads(out)
    assert code == 1
    assert list(data) == ["journeys", "blast_radius", "findings"]
    assert data["journeys"][0]["availability"] == 99.3507
    assert data["blast_radius"][0] == {
        "element": "gw",
        "failed": ["checkout", "browse"],
        "degraded": [],
    }


def test_analyse_exits_0_when_every_journey_is_within_target(tmp_path, capsys):
    f = tmp_path / "ok.yaml"
    f.write_text(
        "apiVersion: workbench/v1\nname: ok\nactors: [{id: u, calls: [a]}]\nservices: [{id: a}]\n"
        "journeys: [{id: j, entry: u, target: {latency_ms: 100, availability: 99}}]\n"
    )
    code, out, _ = run(capsys, "analyse", str(f))
    assert code == 0 and "every journey within target" in out


def test_simulate_prints_states_paths_and_amplification(capsys):
    code, out, _ = run(capsys, "simulate", MINI, "--slow", "stock=200")
    assert code == 1
    assert "What if: slow stock +200 ms" in out
    assert "checkout  degraded  timeout  270         1250      gw > orders > stock" in out
    assert "browse    failed    hang     225         225       gw > stock" in out
    assert "Elements not ok: gw failed, orders degraded" in out
    assert "stock x1" in out


def test_simulate_json_with_repeated_and_comma_separated_options(capsys):
    code, out, _ = run(
        capsys, "simulate", MINI, "--fail", "bus", "--fail", "orders-db,bus", "--slow",
        "payments=250", "--format", "json",
    )  # fmt: skip
    data = json.loads(out)
    assert code == 1
    assert list(data) == ["journeys", "elements", "amplification"]
    assert data["amplification"] == {"bus": 1, "orders-db": 1, "payments": 3}
    # orders' first failed child in child order is the payments call (before data, publish).
    assert data["journeys"][0]["reason"] == "timeout"
    assert data["journeys"][0]["path"] == ["gw", "orders", "payments"]
    assert data["elements"]["bus"] == data["elements"]["orders-db"] == "failed"


def test_the_baseline_simulation_exits_0(capsys):
    code, out, _ = run(capsys, "simulate", MINI)
    assert code == 0 and "What if: nothing (baseline)" in out and "no journey failed" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail", "nope"], "unknown element 'nope'"),
        (["--fail", "shopper"], "'shopper' is an actor, not a service, datastore or broker"),
        (["--slow", "stock=0"], "is not ID=MS with MS a number > 0"),
        (["--slow", "stock"], "is not ID=MS"),
    ],
)
def test_simulate_bad_arguments_exit_2_with_a_reason(capsys, args, message):
    code, _, err = run(capsys, "simulate", MINI, *args)
    assert code == 2 and message in err


def test_an_invalid_model_exits_2_with_its_errors(tmp_path, capsys):
    f = tmp_path / "bad.yaml"
    f.write_text("apiVersion: workbench/v1\nname: bad\njourneys: [{id: j, entry: nobody}]\n")
    code, _, err = run(capsys, "analyse", str(f))
    assert code == 2 and "unknown entry 'nobody'" in err and ":3:" in err
    code, out, _ = run(capsys, "simulate", str(f), "--format", "json")
    assert code == 2 and json.loads(out)["errors"][0]["pointer"] == "/journeys/0/entry"
