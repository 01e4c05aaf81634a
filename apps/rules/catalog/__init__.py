"""The rule catalog, one module per RULES.md category; importing this registers every rule."""

import importlib

from . import (  # noqa: F401
    communication,
    data,
    events,
    granularity,
    operations,
    resilience,
    security,
    suppressions,
    teams,
)

# The journey rules (ANALYSIS.md) are resilience rules; registered after the others, they close
# the category's table instead of opening it.
importlib.import_module(f"{__name__}.journeys")
