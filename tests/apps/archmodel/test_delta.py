"""Revision deltas replay exactly: same canonical text, key order included."""

from __future__ import annotations

import copy
import json
import random

import pytest

from apps.archmodel import model_from_data
from apps.archmodel.delta import apply_delta, document_delta
from apps.archmodel.ops import apply_ops
from bench.modelgen import generate

BASE = model_from_data(generate(40)).document


def text(doc):
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def roundtrip(old, new):
    delta = document_delta(old, new)
    assert text(apply_delta(old, delta)) == text(new)
    json.loads(json.dumps(delta))  # plain JSON: storable as it is
    return delta


def test_an_unchanged_document_is_an_empty_delta():
    assert roundtrip(BASE, copy.deepcopy(BASE)) == {"keys": list(BASE)}


def test_one_changed_field_stores_one_item_not_the_document():
    new, _ = apply_ops(
        BASE, [{"op": "update", "kind": "service", "id": "svc-3", "set": {"replicas": 7}}]
    )
    delta = roundtrip(BASE, new)
    assert list(delta["lists"]) == ["services"] and list(delta["lists"]["services"]["put"]) == [
        "svc-3"
    ]
    assert len(json.dumps(delta)) < len(text(BASE)) / 20


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["services"].pop(5),
        lambda d: d["services"].insert(0, {**d["services"][7], "id": "new-first"}),
        lambda d: d["services"].append({**d["services"][7], "id": "new-last"}),
        lambda d: d["services"].reverse(),
        lambda d: d.__setitem__("title", "Renamed"),
        lambda d: d.pop("datastores"),
        lambda d: d.__setitem__(
            "suppressions", [{"rule": "hub-service", "target": "svc-1", "reason": "ok"}]
        ),
        lambda d: d.__setitem__("services", []),
    ],
    ids=[
        "delete",
        "insert-first",
        "append",
        "reorder",
        "title",
        "drop-key",
        "unkeyed-list",
        "empty",
    ],
)
def test_every_kind_of_change_replays_exactly(edit):
    new = copy.deepcopy(BASE)
    edit(new)
    roundtrip(BASE, new)


def test_a_chain_of_random_edits_replays_to_the_same_text():
    rnd = random.Random(7)
    doc, snapshot, deltas = BASE, BASE, []
    for step in range(60):
        new = copy.deepcopy(doc)
        services = new["services"]
        choice = rnd.randrange(4)
        if choice == 0 and len(services) > 1:
            services.pop(rnd.randrange(len(services)))
        elif choice == 1:
            services.insert(
                rnd.randrange(len(services) + 1), {**rnd.choice(services), "id": f"added-{step}"}
            )
        elif choice == 2:
            rnd.choice(services)["description"] = f"step {step}"
        else:
            rnd.shuffle(services)
        deltas.append(document_delta(doc, new))
        doc = new
    replayed = snapshot
    for delta in deltas:
        replayed = apply_delta(replayed, delta)
    assert text(replayed) == text(doc)
