"""The rule catalog, one module per RULES.md category; importing this registers every rule."""

from . import (  # noqa: F401
    communication,
    data,
    events,
    granularity,
    journeys,
    operations,
    resilience,
    security,
    suppressions,
    teams,
)
