"""Every rule is documented, and every doc's snippets do what they say."""

import pytest

from apps.archmodel import load_model
from apps.rules.engine import check_model
from apps.rules.registry import load_catalog
from apps.rules.ruledocs import rule_doc
from tests.apps.rules.helpers import TODAY

RULE_IDS = sorted(load_catalog())


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_the_failing_snippet_fires_the_rule_and_the_passing_one_does_not(rule_id):
    doc = rule_doc(rule_id)
    assert doc["why"] and doc["failing"] and doc["passing"]
    failing = check_model(load_model(doc["failing"]), today=TODAY)
    passing = check_model(load_model(doc["passing"]), today=TODAY)
    assert [f for f in failing.active if f.rule == rule_id], "the failing snippet must fire"
    assert not [f for f in passing.active if f.rule == rule_id], "the passing snippet must not"


def test_a_doc_names_its_configuration():
    doc = rule_doc("long-sync-chain")
    assert doc["configuration"]["thresholds"] == {"max_hops": 3}
    assert "long-sync-chain: {max_hops: 3}" in doc["configuration"]["example"]


def test_docs_rules_md_is_generated_from_the_catalog():
    import os

    from apps.rules.ruledocs import catalog_markdown
    from tests.support import REPO

    path = REPO / "docs" / "rules.md"
    text = catalog_markdown()
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, "regenerate with UPDATE_GOLDEN=1"
