"""CPU and memory are Kubernetes quantities, checked by the model core (with a did-you-mean),
so no exporter ever meets `cpu: two` or copies `memory: lots` into a manifest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.archmodel import ModelInvalid, load_model, model_json_schema
from apps.archmodel.quantity import quantity_problem, quantity_value
from exporters import export_bundle
from exporters.compose import cpus, memory


def model_with(cpu: str, mem: str) -> str:
    return (
        "apiVersion: workbench/v1\nname: shop\nservices:\n"
        f"  - id: api\n    deploy: {{resources: {{cpu: '{cpu}', memory: '{mem}'}}}}\n"
    )


@pytest.mark.parametrize("cpu", ["500m", "1", "2.5", "0.25", "1e3", "+2"])
@pytest.mark.parametrize("mem", ["512Mi", "1Gi", "512M", "1e9", "128974848", "1.5Gi"])
def test_kubernetes_quantities_are_accepted(cpu: str, mem: str) -> None:
    model = load_model(model_with(cpu, mem))
    assert model.services[0].deploy.cpu == cpu


@pytest.mark.parametrize(
    ("cpu", "mem", "expected"),
    [
        ("two", "1Gi", ["/services/0/deploy/resources/cpu", "did you mean '2'"]),
        ("2 cores", "1Gi", ["did you mean '2'"]),
        ("1", "lots", ["/services/0/deploy/resources/memory", "'lots' is not a memory quantity"]),
        ("1", "512MB", ["did you mean '512Mi'"]),
        ("1", "1gb", ["did you mean '1Gi'"]),
        ("1", "100m", ["fraction of a byte", "did you mean '100Mi'"]),
        ("-1", "1Gi", ["more than zero"]),
        ("0", "1Gi", ["more than zero"]),
    ],
)
def test_bad_quantities_are_refused_with_the_field_and_a_suggestion(
    cpu: str, mem: str, expected: list[str]
) -> None:
    with pytest.raises(ModelInvalid) as caught:
        load_model(model_with(cpu, mem))
    text = str(caught.value)
    assert all(part in text for part in expected), text
    assert all(e.kind == "value" and e.line for e in caught.value.errors)


def test_the_json_schema_gives_the_quantity_pattern() -> None:
    resources = model_json_schema()["$defs"]["resources"]["properties"]
    assert resources["cpu"]["pattern"] == resources["memory"]["pattern"]
    assert "[KMGTPE]i" in resources["cpu"]["pattern"] and "?P<" not in resources["cpu"]["pattern"]


def test_quantity_values_are_in_base_units() -> None:
    assert quantity_value("250m") == Decimal("0.25")
    assert quantity_value("1Ki") == 1024
    assert quantity_value("1e3") == 1000
    assert quantity_problem("1.5", "cpu") is None


def test_compose_spells_every_valid_quantity() -> None:
    assert cpus("250m") == "0.25" and cpus("2") == "2" and cpus("1e3") == "1000"
    assert (
        memory("512Mi") == "512m"
        and memory("1Ti") == str(1024**4)
        and memory("1e9") == "1000000000"
    )
    bundle = export_bundle(load_model(model_with("1500m", "2Gi")), target="compose")
    text = next(v for k, v in bundle.files.items() if k.endswith("compose.yaml"))
    text = text.decode() if isinstance(text, bytes) else text
    assert "cpus: '1.5'" in text or 'cpus: "1.5"' in text or "cpus: 1.5" in text
    assert "2g" in text


@pytest.mark.parametrize(
    ("source", "pointer"),
    [
        ('apiVersion: workbench/v1\nname: shop\ntitle: "Shop\\0"\n', "/title"),
        (
            'apiVersion: workbench/v1\nname: shop\nservices: [{id: a, description: "x\\0y"}]\n',
            "/services/0/description",
        ),
        ('apiVersion: workbench/v1\nname: shop\nx-notes: {"a\\0": 1}\n', "/x-notes/a\x00"),
    ],
)
def test_nul_in_any_text_is_refused_at_its_field(source: str, pointer: str) -> None:
    with pytest.raises(ModelInvalid) as caught:
        load_model(source)
    errors = caught.value.errors
    assert [e.pointer for e in errors] == [pointer]
    assert "NUL" in errors[0].message
