"""The published JSON Schema and the loader must agree on structure."""

from __future__ import annotations

import json

import jsonschema
import pytest

from apps.archmodel import ModelInvalid, load_model, model_json_schema
from apps.archmodel.yamlio import parse_document
from bench.modelgen import generate
from tests.support import example_paths

VALIDATOR = jsonschema.Draft202012Validator(model_json_schema())


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(model_json_schema())


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: p.name)
def test_examples_and_their_canonical_form_validate_against_the_schema(path):
    raw = parse_document(path.read_bytes()).data
    assert list(VALIDATOR.iter_errors(raw)) == []
    assert list(VALIDATOR.iter_errors(load_model(path.read_bytes()).document)) == []


def test_a_generated_model_validates_against_the_schema():
    assert list(VALIDATOR.iter_errors(generate(50))) == []


@pytest.mark.parametrize(
    "fragment",
    [
        {"services": [{"id": "a", "kind": "servce"}]},
        {"services": [{"id": "Bad Id"}]},
        {"services": [{"id": "a", "port": "80"}]},
        {"services": [{"id": "a", "calls": [{"timeout_ms": 3}]}]},
        {"services": [{"id": "a", "unknown": 1}]},
        {"datastores": [{"id": "d"}]},
        {"suppressions": [{"rule": "x", "target": "y"}]},
        {"services": [{"id": "a", "replicas": {"max": 3}}]},
    ],
)
def test_structural_errors_are_rejected_by_both_the_schema_and_the_loader(fragment):
    doc = {"apiVersion": "workbench/v1", "name": "x", **fragment}
    assert list(VALIDATOR.iter_errors(doc)), "the schema accepted it"
    with pytest.raises(ModelInvalid):
        load_model(json.dumps(doc))


def test_x_keys_are_allowed_everywhere_by_the_schema():
    doc = {
        "apiVersion": "workbench/v1",
        "name": "x",
        "x-top": 1,
        "services": [{"id": "a", "x-any": {"k": [1]}}],
    }
    assert list(VALIDATOR.iter_errors(doc)) == []
