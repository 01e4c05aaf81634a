"""The hook for the analysis tools (issue 13 builds ``workbench analyse`` and ``simulate``).

Both MCP servers register every entry of ``MODEL_TOOLS`` as a tool taking the model (a file or
source offline, a ``model_id`` on the server) and an ``options`` object, and call
``fn(model, **options)``; what it returns (JSON-able) is the tool's answer, a ``ToolProblem``
its error. To expose the analysis, append for instance::

    from apps.analysis import analyse_model, simulate_failure   # the analysis' own entry points
    MODEL_TOOLS.append(("analyse_model", "Journeys' latency/availability budgets ...",
                        lambda model, **o: analyse_model(model, **o)))
    MODEL_TOOLS.append(("simulate_failure", "What breaks when an element fails ...",
                        lambda model, **o: simulate_failure(model, **o)))

Read-only tools only: they run with the viewer role on the server.
"""

from __future__ import annotations

from .tools import ModelTool

MODEL_TOOLS: list[ModelTool] = []
