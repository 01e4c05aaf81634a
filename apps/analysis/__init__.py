"""Resilience analysis (ANALYSIS.md): journeys with latency and availability against their
budgets, "what if X fails or slows down", retry amplification and blast radius.

Framework-free, like the rule engine beside it: a ``Model`` in, plain data out. Public surface:

- ``Analysis(model)``: the journeys (declared, else implicit) and their figures, computed once
  over one shared unfolding of the call graph (``unfold``); ``.blast_radius``,
  ``.simulate(fail, slow)``
- ``analyse_model(model)`` / ``simulate_model(model, fail, slow)``: the JSON of
  ``workbench analyse`` / ``workbench simulate`` (``report``); ``analysis_text`` /
  ``simulation_text`` for people (``text``)
- ``AnalysisRefused``: a model whose cycles unfold too far, or a bad scenario (ModelInvalid)
"""

from .analysis import Analysis, SimulationError
from .report import ANALYSIS_RULES, analyse_model, parse_scenario, simulate_model

__all__ = [
    "ANALYSIS_RULES",
    "Analysis",
    "SimulationError",
    "analyse_model",
    "parse_scenario",
    "simulate_model",
]
