"""The JSON of ``workbench analyse`` and ``workbench simulate`` (ANALYSIS.md "Output contract"),
shared by the CLI and the API; and parsing the ``--fail`` / ``--slow`` arguments."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from apps.archmodel import ModelError, ModelInvalid
from apps.archmodel.loader import gc_paused
from apps.archmodel.types import Model

from .analysis import Analysis, SimulationError
from .unfold import TooLarge

# The rules ``analyse`` reports (``check`` runs them too, for models that declare journeys).
ANALYSIS_RULES = (
    "journey-latency-over-target",
    "journey-availability-below-target",
    "critical-dependency",
    "unbounded-journey",
    "timeout-below-latency",
)


def analysis_of(model: Model) -> Analysis:
    """The model's analysis; a model whose call cycles unfold too far is refused as invalid
    (422 / exit 2), never left to run for minutes."""
    try:
        return Analysis(model)
    except TooLarge as exc:
        raise _too_large(model, exc) from None


def _too_large(model: Model, exc: TooLarge) -> ModelInvalid:
    return ModelInvalid(
        [
            ModelError(
                "/journeys" if model.journeys else "",
                f"the journeys unfold into more than {exc.args[0]:,} tree nodes inside call "
                "cycles; break the cycles, or declare journeys whose 'calls' avoid them",
                "limit",
            )
        ]
    )


def analyse_model(model: Model, *, analysis: Analysis | None = None) -> dict[str, Any]:
    """``{"journeys", "blast_radius", "findings"}``; ``exit_code`` says 1 when over target."""
    from apps.rules.engine import check_model

    with gc_paused():  # many small acyclic objects (see Analysis)
        an = analysis or analysis_of(model)
        report = check_model(model, only=ANALYSIS_RULES, analysis=an)
        return {
            "journeys": an.journeys_json(),
            "blast_radius": an.blast_radius,
            "findings": [f.as_dict() for f in report.findings],
        }


def analyse_exit_code(result: dict[str, Any]) -> int:
    return 1 if any(j["status"] == "over-target" for j in result["journeys"]) else 0


def simulate_model(
    model: Model,
    fail: list[str],
    slow: dict[str, float],
    *,
    analysis: Analysis | None = None,
) -> dict[str, Any]:
    """``{"journeys", "elements", "amplification"}``; raises ``SimulationError``."""
    an = analysis or analysis_of(model)
    try:
        return an.simulate(fail, slow)  # every element's own tree is unfolded too
    except TooLarge as exc:
        raise _too_large(model, exc) from None


def simulate_exit_code(result: dict[str, Any]) -> int:
    return 1 if any(j["state"] == "failed" for j in result["journeys"]) else 0


def parse_scenario(
    fail: Iterable[str] = (), slow: Iterable[str] = ()
) -> tuple[list[str], dict[str, float]]:
    """``--fail a,b`` (repeatable) and ``--slow c=250[,d=10]`` (repeatable) as a scenario.
    Raises ``SimulationError`` for a malformed item (ids are checked against the model later)."""
    failing: list[str] = []
    for item in fail:
        failing += [x.strip() for x in str(item).split(",") if x.strip()]
    slowed: dict[str, float] = {}
    problems = []
    for item in slow:
        for part in str(item).split(","):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            try:
                ms = float(value)
            except ValueError:
                ms = math.nan
            if not sep or not key.strip() or not (ms > 0) or ms == math.inf:
                problems.append(f"--slow '{part.strip()}' is not ID=MS with MS a number > 0")
                continue
            slowed[key.strip()] = int(ms) if ms.is_integer() else ms
    if problems:
        raise SimulationError("; ".join(problems))
    return list(dict.fromkeys(failing)), slowed
