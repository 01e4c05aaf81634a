"""The five views, each a function `Model -> Diagram`.

- context: actors, the system boundary (frontends, gateways, services reached from outside, the
  rest collapsed into one node), external systems.
- dependencies: every service, clustered by domain; synchronous calls and gateway routes.
- events: producers -> events (one cluster per broker) -> consumers.
- data: services and datastores, clustered by domain; ownership, shared and foreign access.
- teams: services (and datastores) clustered by team; cross-team interactions emphasised.
- journey: one journey's dependency tree (``journey``), from the resilience analysis.

Shared helpers and constants live in `common`; each view in its own module (`teams` also holds
`teams_summary_view`, drawn instead of the teams view above `TEAMS_SUMMARY_ABOVE` services).
"""

from __future__ import annotations

from collections.abc import Callable

from ..graph import Diagram
from .common import TEAMS_SUMMARY_ABOVE, VIEWS
from .context import context_view
from .data import data_view
from .dependencies import dependencies_view
from .events import events_view
from .journey import JOURNEY_VIEW, journey_title, journey_view
from .teams import teams_summary_view, teams_view

__all__ = [
    "ALL_VIEWS",
    "BUILDERS",
    "JOURNEY_VIEW",
    "TEAMS_SUMMARY_ABOVE",
    "VIEWS",
    "journey_title",
    "journey_view",
    "teams_summary_view",
]

BUILDERS: dict[str, Callable[..., Diagram]] = {
    "context": context_view,
    "dependencies": dependencies_view,
    "events": events_view,
    "data": data_view,
    "teams": teams_view,
}

# The five model views, and the journey view: one journey's tree, drawn from the analysis
# (``journey=<id>``), so it has no builder of a model alone.
ALL_VIEWS: dict[str, str] = {**VIEWS, JOURNEY_VIEW: "Journey"}
