import datetime

import pytest

from apps.archmodel import ModelInvalid, load_model
from apps.rules.engine import check_model
from apps.rules.registry import CATEGORIES, SEVERITIES, load_catalog
from tests.apps.rules.helpers import check, fired, model_yaml, svc

RULES_MD_IDS = [
    "shared-database",
    "foreign-data-access",
    "cross-team-data-access",
    "unowned-datastore",
    "distributed-transaction-without-saga",
    "saga-without-compensation",
    "dual-write",
    "esb-usage",
    "hardcoded-endpoint",
    "sync-cycle",
    "async-cycle",
    "long-sync-chain",
    "high-fan-out",
    "hub-service",
    "too-many-standards",
    "unversioned-api",
    "shared-business-library",
    "no-api-gateway",
    "unauthenticated-entry",
    "unencrypted-call",
    "trust-the-network",
    "wobbly-call",
    "missing-timeout",
    "missing-circuit-breaker",
    "unsafe-retry",
    "retry-amplification",
    "timeout-budget-inversion",
    "single-point-of-failure",
    "missing-health-check",
    "stateful-replicas",
    "multiple-services-per-container",
    "local-logging",
    "missing-telemetry",
    "megaservice",
    "nanoservice",
    "layered-split",
    "unconsumed-event",
    "unproduced-event",
    "orphan-event",
    "non-idempotent-consumer",
    "unowned-service",
    "single-layer-team",
    "tightly-coupled-teams",
    "expired-suppression",
    "unused-suppression",
    # ANALYSIS.md "Rules"
    "journey-latency-over-target",
    "journey-availability-below-target",
    "critical-dependency",
    "unbounded-journey",
    "timeout-below-latency",
]


def test_the_registry_holds_exactly_the_catalog():
    rules = load_catalog()
    assert sorted(rules) == sorted(RULES_MD_IDS)
    for r in rules.values():
        assert r.category in CATEGORIES and r.severity in SEVERITIES and r.fix and r.summary


def test_the_engine_imports_no_django():
    import subprocess
    import sys

    code = (
        "import sys, apps.rules.engine, apps.rules.formats, apps.rules.ruledocs, apps.rules.testing, "
        "apps.analysis, apps.analysis.text; apps.rules.registry.load_catalog(); "
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


WOBBLY = {"services": [svc("a", calls=["b"]), svc("b", health=True)]}


def test_findings_carry_every_field_and_sort_by_severity_rule_target():
    r = check(WOBBLY)
    keys = [(f.severity, f.rule, f.target) for f in r.findings]
    order = {s: i for i, s in enumerate(SEVERITIES)}
    assert keys == sorted(keys, key=lambda k: (order[k[0]], k[1], k[2]))
    (f,) = fired(r, "wobbly-call")
    assert f.as_dict() == {
        "rule": "wobbly-call",
        "severity": "error",
        "category": "resilience",
        "target": "a->b",
        "elements": ["a", "b"],
        "message": "a calls b with no timeout and no circuit breaker",
        "fix": "Timeout and circuit breaker, or go asynchronous.",
        "path": "/services/0/calls/0",
        "line": f.line,
        "suppressed": False,
        "suppression_reason": None,
    }
    assert f.line is not None


def test_output_is_deterministic():
    src = model_yaml(**WOBBLY)
    a = [f.as_dict() for f in check(src).findings]
    b = [f.as_dict() for f in check(src).findings]
    assert a == b


def test_summary_and_passed_follow_fail_on():
    r = check(WOBBLY)
    assert r.summary["error"] == 1 and r.summary["total"] == len(r.findings)
    assert not r.passed("error")
    r = check(services=[svc("a", health=True)])
    assert r.passed("error") and r.passed("warning") and not r.passed("info")


def test_validation_disable_and_severity():
    r = check(
        validation={"disable": ["wobbly-call"], "severity": {"missing-health-check": "error"}},
        **WOBBLY,
    )
    assert fired(r, "wobbly-call") == []
    assert [f.severity for f in fired(r, "missing-health-check")] == ["error"]
    assert r.disabled == ["wobbly-call"]


def test_a_severity_override_replaces_computed_variants():
    r = check(
        services=[svc("a", data=["db"]), svc("b", data=["db"])],
        datastores=[{"id": "db", "kind": "postgres", "owner": "a"}],
        validation={"severity": {"shared-database": "info"}},
    )
    assert [f.severity for f in fired(r, "shared-database")] == ["info"]


@pytest.mark.parametrize(
    ("validation", "pointer", "message"),
    [
        (
            {"disable": ["wobly-call"]},
            "/validation/disable/0",
            "unknown rule 'wobly-call' — did you mean 'wobbly-call'?",
        ),
        (
            {"severity": {"shared-databse": "error"}},
            "/validation/severity/shared-databse",
            "did you mean 'shared-database'?",
        ),
        (
            {"thresholds": {"long-sync-chain": {"max_hop": 4}}},
            "/validation/thresholds/long-sync-chain/max_hop",
            "rule 'long-sync-chain' has no threshold 'max_hop' — did you mean 'max_hops'?",
        ),
        (
            {"thresholds": {"wobbly-call": {"max": 1}}},
            "/validation/thresholds/wobbly-call/max",
            "its thresholds: none",
        ),
        (
            {"thresholds": {"high-fan-out": {"max": -1}}},
            "/validation/thresholds/high-fan-out/max",
            "must be a number ≥ 0",
        ),
    ],
)
def test_configuration_mistakes_make_the_model_invalid(validation, pointer, message):
    model = load_model(model_yaml(validation=validation, **WOBBLY))
    with pytest.raises(ModelInvalid) as exc:
        check_model(model)
    (err,) = exc.value.errors
    assert err.pointer == pointer and message in err.message
    assert err.line is not None


def test_an_unknown_suppression_rule_is_invalid():
    supp = [{"rule": "wobbly", "target": "a->b", "reason": "x"}]
    with pytest.raises(ModelInvalid) as exc:
        check_model(load_model(model_yaml(suppressions=supp, **WOBBLY)))
    assert exc.value.errors[0].pointer == "/suppressions/0/rule"


def _suppressed(expires=None, target="a->b", rule="wobbly-call", today=datetime.date(2026, 6, 15)):
    supp = {"rule": rule, "target": target, "reason": "accepted for now"}
    if expires:
        supp["expires"] = expires
    return check(suppressions=[supp], today=today, **WOBBLY)


def test_a_suppression_keeps_the_finding_visible_but_not_counted():
    r = _suppressed()
    (f,) = fired(r, "wobbly-call")
    assert f.suppressed and f.suppression_reason == "accepted for now"
    assert r.summary["error"] == 0 and r.summary["suppressed"] == 1
    assert r.passed("error")
    assert fired(r, "expired-suppression") == fired(r, "unused-suppression") == []


def test_a_suppression_is_valid_through_its_expiry_day():
    r = _suppressed(expires="2026-06-15")
    assert fired(r, "wobbly-call")[0].suppressed
    assert fired(r, "expired-suppression") == []


def test_an_expired_suppression_is_reported_and_the_finding_comes_back():
    r = _suppressed(expires="2026-06-14")
    (f,) = fired(r, "wobbly-call")
    assert not f.suppressed
    (e,) = fired(r, "expired-suppression")
    assert (e.severity, e.target, e.path) == ("warning", "a->b", "/suppressions/0")
    assert "expired on 2026-06-14" in e.message
    assert not r.passed("error")


def test_an_unused_suppression_is_info():
    r = _suppressed(target="a->c")
    (u,) = fired(r, "unused-suppression")
    assert (u.severity, u.target) == ("info", "a->c")
    assert not fired(r, "wobbly-call")[0].suppressed


def test_suppressions_of_disabled_rules_are_neither_used_nor_unused():
    r = check(
        suppressions=[{"rule": "wobbly-call", "target": "a->b", "reason": "x"}],
        validation={"disable": ["wobbly-call"]},
        **WOBBLY,
    )
    assert fired(r, "unused-suppression") == []


def test_rule_checks_read_effective_values_from_defaults():
    r = check(defaults={"service": {"health": True, "replicas": 2}}, services=[svc("a")])
    assert fired(r, "missing-health-check") == []


def test_the_registry_matches_the_shared_rules_md_when_present():
    import re

    from tests.support import REPO

    rules_md = REPO.parent / "shared" / "RULES.md"
    if not rules_md.exists():
        pytest.skip("../shared/RULES.md is not beside the repository")
    ids = re.findall(r"^\| `([a-z-]+)` \|", rules_md.read_text(), flags=re.M)
    analysis_md = REPO.parent / "shared" / "ANALYSIS.md"
    if analysis_md.exists():  # the journey rules are specified beside the analysis
        ids += re.findall(r"^\| `([a-z-]+)` \|", analysis_md.read_text(), flags=re.M)
    assert sorted(ids) == sorted(load_catalog())
