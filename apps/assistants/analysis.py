"""The analysis tools of both MCP servers: ``analyse_model`` and ``simulate_failure``.

Both servers register every entry of ``MODEL_TOOLS`` as a tool taking the model (a file or
source offline, a ``model_id`` on the server) and an ``options`` object, and call
``fn(model, **options)``; what it returns (JSON-able) is the tool's answer, a ``ToolProblem``
its error. They run the same core as ``workbench analyse`` / ``simulate`` and the API
(``apps.analysis.report``). Read-only tools only: they run with the viewer role on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.analysis.analysis import SimulationError
from apps.analysis.report import analyse_model, parse_scenario, simulate_model
from apps.archmodel import Model, ModelInvalid

from .tools import ModelTool, ToolProblem, invalid_problem


def _analyse(model: Model, **options: Any) -> dict[str, Any]:
    if options:
        raise ToolProblem(f"analyse_model takes no options, not {sorted(options)}")
    try:
        return analyse_model(model)
    except ModelInvalid as exc:
        raise invalid_problem(exc) from None


def _items(value: Sequence[str] | str) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _simulate(
    model: Model, *, fail: Sequence[str] | str = (), slow: Sequence[str] | str = (), **rest: Any
) -> dict[str, Any]:
    if rest:
        raise ToolProblem(f"simulate_failure takes options fail and slow, not {sorted(rest)}")
    try:
        failing, slowed = parse_scenario(_items(fail), _items(slow))
        return simulate_model(model, failing, slowed)
    except SimulationError as exc:
        raise ToolProblem(f"the scenario is invalid: {exc}") from None
    except ModelInvalid as exc:
        raise invalid_problem(exc) from None


MODEL_TOOLS: list[ModelTool] = [
    (
        "analyse_model",
        "Resilience analysis (as `workbench analyse`): each user journey's nominal and worst "
        "latency and availability against its target and state, the blast radius of every "
        "element (the journeys its failure fails or degrades) and the journey rules' findings.",
        _analyse,
    ),
    (
        "simulate_failure",
        "What if elements fail or slow down (as `workbench simulate`). options: "
        '{"fail": ["payments"], "slow": ["fx=250"]}. Answers each journey ok / degraded / '
        "failed with the path that explains it, each element's state and retry amplification.",
        _simulate,
    ),
]
