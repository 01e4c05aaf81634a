"""Checking a model: run every enabled rule once over a shared ``Context``, apply the model's
configuration (``validation``) and its ``suppressions``, and return a sorted ``Report``.

Configuration mistakes (an unknown rule id, an unknown threshold name, a negative threshold)
make the model invalid: ``check_model`` raises ``apps.archmodel.ModelInvalid`` with a pointer
such as ``/validation/thresholds/long-sync-chain/max_hop`` and a did-you-mean, so the API
answers 422 and the CLI exits 2, exactly as for any other error in the file.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from typing import Any

from apps.archmodel import ModelError, ModelInvalid
from apps.archmodel.errors import pointer_join
from apps.archmodel.loader import gc_paused
from apps.archmodel.types import Model

from .context import Context
from .findings import Finding, Report
from .imported import soften_unknowns
from .registry import RULES, Hit, Rule, did_you_mean, load_catalog

# Computed here, after every other rule ran.
SUPPRESSION_RULES = ("expired-suppression", "unused-suppression")


def check_model(
    model: Model,
    *,
    today: datetime.date | None = None,
    only: Collection[str] | None = None,
    analysis: Any = None,
) -> Report:
    """Check ``model`` against the catalog. Raises ``ModelInvalid`` for a bad configuration.

    ``only`` runs just those rules (``workbench analyse`` runs the journey rules, over implicit
    journeys when none are declared; suppressions of other rules are then left alone);
    ``analysis`` hands over an ``apps.analysis.Analysis`` already computed for the model.
    """
    rules = load_catalog()
    thresholds = configured_thresholds(model)
    disabled = set(model.validation.disable)
    if only is not None:
        disabled |= set(rules) - set(only)
    ctx = Context(model, thresholds, journey_rules=only is not None or bool(model.journeys))
    if analysis is not None:
        ctx.analysis = analysis
    lines = _LineCache(model)
    findings: list[Finding] = []
    # A big model allocates many findings; the collector would walk the whole (acyclic) model
    # again and again while they are made. Nothing here creates reference cycles.
    with gc_paused():
        for r in rules.values():
            if r.id in disabled or r.id in SUPPRESSION_RULES or r.check is None:
                continue
            findings.extend(_finding(lines, r, hit) for hit in r.check(ctx))
        findings = _apply_suppressions(
            model, lines, findings, disabled, today or datetime.date.today()
        )
        soften_unknowns(model, findings)
        overrides = model.validation.severity
        for f in findings:
            if f.rule in overrides:
                f.severity = overrides[f.rule]
        findings.sort(key=Finding.sort_key)
    shown = disabled if only is None else set(model.validation.disable) & set(only)
    return Report(model=model.name, findings=findings, disabled=sorted(shown & set(rules)))


class _LineCache:
    """Source lines by pointer; many findings share a pointer (a service, a call)."""

    def __init__(self, model: Model):
        self.model = model
        self.cache: dict[str, int | None] = {}

    def __call__(self, pointer: str | None) -> int | None:
        if self.model.lines is None or pointer is None:
            return None
        if pointer not in self.cache:
            self.cache[pointer] = self.model.line_of(pointer)
        return self.cache[pointer]


def _finding(lines: _LineCache, r: Rule, hit: Hit) -> Finding:
    return Finding(
        rule=r.id,
        severity=hit.severity or r.severity,
        category=r.category,
        target=hit.target,
        elements=sorted(set(hit.elements)),
        message=hit.message,
        fix=r.fix,
        path=hit.path,
        line=lines(hit.path),
    )


def _apply_suppressions(
    model: Model,
    lines: _LineCache,
    findings: list[Finding],
    disabled: set[str],
    today: datetime.date,
) -> list[Finding]:
    by_key: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        by_key.setdefault((f.rule, f.target), []).append(f)
    extra: list[Finding] = []
    for s in model.suppressions:
        if s.rule in disabled:
            continue  # the rule does not run: nothing to match, nothing to report
        covered = by_key.get((s.rule, s.target), [])
        expires = _date(s.expires)
        if expires is not None and expires < today:
            if "expired-suppression" not in disabled:
                extra.append(
                    _finding(
                        lines,
                        RULES["expired-suppression"],
                        Hit(
                            s.target,
                            _ids(model, s.target),
                            f"the suppression of {s.rule} for {s.target} expired on {s.expires}"
                            + (f"; {len(covered)} finding(s) reported again" if covered else ""),
                            s.pointer,
                        ),
                    )
                )
            continue  # the covered findings stay unsuppressed
        if not covered:
            if "unused-suppression" not in disabled:
                extra.append(
                    _finding(
                        lines,
                        RULES["unused-suppression"],
                        Hit(
                            s.target,
                            _ids(model, s.target),
                            f"the suppression of {s.rule} for {s.target} matches no finding",
                            s.pointer,
                        ),
                    )
                )
            continue
        for f in covered:
            if not f.suppressed:
                f.suppressed, f.suppression_reason = True, s.reason
    return findings + extra


def _position(model: Model, pointer: str) -> tuple[int | None, int | None]:
    if model.lines is None:
        return None, None
    try:
        return model.lines(pointer, key=True)
    except TypeError:  # a locator without the key option
        return model.lines(pointer)


def _ids(model: Model, target: str) -> list[str]:
    return [p for p in target.split("->") if p in model.by_id] or [target]


def _date(value: object) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def configured_thresholds(model: Model) -> dict[str, dict[str, float]]:
    """Every rule's thresholds (defaults, overridden by ``validation.thresholds``); validates
    the whole configuration. Raises ``ModelInvalid`` listing every mistake."""
    rules = load_catalog()
    errors: list[ModelError] = []

    def bad(pointer: str, message: str) -> None:
        line, col = _position(model, pointer)
        errors.append(ModelError(pointer, message, "value", line, col))

    def unknown_rule(rule_id: str, pointer: str) -> None:
        bad(
            pointer,
            f"unknown rule '{rule_id}'{did_you_mean(rule_id, rules)}; "
            "see GET /api/v1/rules for the catalog",
        )

    v = model.validation
    for i, rid in enumerate(v.disable):
        if rid not in rules:
            unknown_rule(rid, pointer_join("validation", "disable", i))
    for rid in v.severity:
        if rid not in rules:
            unknown_rule(rid, pointer_join("validation", "severity", rid))
    out = {rid: dict(r.thresholds) for rid, r in rules.items()}
    for rid, values in v.thresholds.items():
        if rid not in rules:
            unknown_rule(rid, pointer_join("validation", "thresholds", rid))
            continue
        known = rules[rid].thresholds
        for name, value in values.items():
            ptr = pointer_join("validation", "thresholds", rid, name)
            if name not in known:
                names = ", ".join(known) or "none"
                bad(
                    ptr,
                    f"rule '{rid}' has no threshold '{name}'"
                    f"{did_you_mean(name, known)}; its thresholds: {names}",
                )
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                bad(ptr, f"threshold '{name}' of '{rid}' must be a number ≥ 0, not {value!r}")
            else:
                out[rid][name] = value
    for i, s in enumerate(model.suppressions):
        if s.rule not in rules:
            unknown_rule(s.rule, pointer_join("suppressions", i, "rule"))
    if errors:
        raise ModelInvalid(errors)
    return out
