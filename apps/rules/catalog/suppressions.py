"""Suppression rules. The engine computes these (they judge the other rules' findings); they
are registered here so that they are documented, configurable and disableable like any rule."""

from __future__ import annotations

from collections.abc import Iterator

from ..context import Context
from ..registry import Hit, rule


@rule(
    id="expired-suppression",
    category="suppressions",
    severity="warning",
    title="Expired suppression",
    summary="A suppression whose expires date has passed; the finding it covered is reported "
    "again.",
    fix="Fix the finding, or renew the suppression with a new expires date and a reason.",
)
def expired_suppression(ctx: Context) -> Iterator[Hit]:
    return iter(())  # computed by the engine, see engine._apply_suppressions


@rule(
    id="unused-suppression",
    category="suppressions",
    severity="info",
    title="Unused suppression",
    summary="A suppression that matches no finding.",
    fix="Remove the suppression (the problem it accepted is gone), or correct its rule/target.",
)
def unused_suppression(ctx: Context) -> Iterator[Hit]:
    return iter(())  # computed by the engine, see engine._apply_suppressions
