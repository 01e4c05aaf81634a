"""``POST /api/v1/analyse``, ``POST /api/v1/simulate`` (stateless, like ``/validate``) and
``GET /api/v1/models/{id}/analysis`` (stored models), with the personas."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from apps.analysis import services
from apps.architectures.services import architecture_create
from apps.workspaces.principal import Principal
from tests.apps.workspaces.personas import ROLES, expected_status

from .support import MINI

BODY = MINI.encode()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    services._cache.clear()
    yield
    cache.clear()


def post(world, path, body=BODY, persona="viewer_token", content_type="application/yaml"):
    return world.call(persona, "post", f"/api/v1/{path}", data=body, content_type=content_type)


def test_analyse_answers_the_contract_json_and_stores_nothing(world):
    resp = post(world, "analyse")
    assert resp.status_code == 200
    data = resp.json()
    assert list(data) == ["journeys", "blast_radius", "findings"]
    assert [j["status"] for j in data["journeys"]] == ["over-target", "ok"]
    assert data["journeys"][0]["availability"] == 99.3507
    assert data["findings"][0]["rule"] == "journey-availability-below-target"


def test_simulate_takes_repeatable_fail_and_slow_parameters(world):
    resp = post(world, "simulate?slow=stock=200")
    assert resp.status_code == 200
    data = resp.json()
    assert [j["state"] for j in data["journeys"]] == ["degraded", "failed"]
    assert data["journeys"][1]["path"] == ["gw", "stock"]
    resp = post(world, "simulate?fail=bus&fail=orders-db,gw&slow=payments=250,stock=1")
    assert resp.status_code == 200
    assert resp.json()["amplification"] == {
        "bus": 1,
        "orders-db": 1,
        "gw": 1,
        "payments": 3,
        "stock": 1,
    }


def test_a_json_body_works_too(world):
    import json

    import yaml

    resp = post(
        world, "analyse", body=json.dumps(yaml.safe_load(MINI)), content_type="application/json"
    )
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?fail=nope", "unknown element 'nope'"),
        ("?fail=shopper", "'shopper' is an actor"),
        ("?slow=stock=0", "is not ID=MS"),
        ("?slow=stock", "is not ID=MS"),
    ],
)
def test_a_bad_scenario_is_422_with_the_error_list(world, query, message):
    resp = post(world, f"simulate{query}")
    assert resp.status_code == 422
    assert message in resp.json()["errors"][0]["message"]


def test_an_invalid_model_is_422_with_positions(world):
    bad = b"apiVersion: workbench/v1\nname: x\njourneys: [{id: j, entry: nobody}]\n"
    for path in ("analyse", "simulate"):
        resp = post(world, path, body=bad)
        assert resp.status_code == 422
        (err,) = resp.json()["errors"]
        assert err["pointer"] == "/journeys/0/entry" and err["line"] == 3


def test_an_empty_body_is_400_and_no_credentials_401(world):
    assert post(world, "analyse", body=b"").status_code == 400
    assert (
        Client().post("/api/v1/analyse", data=BODY, content_type="application/yaml").status_code
        == 401
    )
    assert post(world, "simulate", persona="revoked_token").status_code == 401


def test_analyse_and_simulate_share_the_validate_rate_limit(world, settings):
    settings.WORKBENCH_VALIDATE_RATE = "2/min"
    assert post(world, "analyse").status_code == 200
    assert post(world, "simulate").status_code == 200
    resp = world.call(
        "viewer_token", "post", "/api/v1/validate", data=BODY, content_type="application/yaml"
    )
    assert resp.status_code == 429 and int(resp["Retry-After"]) >= 1
    assert post(world, "analyse").status_code == 429


def test_a_model_over_the_size_limit_is_413(world, settings):
    settings.WORKBENCH_MAX_MODEL_BYTES = 100
    assert post(world, "analyse").status_code == 413


@pytest.mark.parametrize("persona", list(ROLES))
def test_a_stored_models_analysis_follows_permissions(world, persona):
    resp = world.call(persona, "get", f"/api/v1/models/{world.arch.pk}/analysis")
    expected = expected_status(persona, "viewer")
    if expected == "ok":
        assert resp.status_code == 200
        data = resp.json()
        # The demo shop declares three journeys: one meets its budget, one does not.
        assert [(j["id"], j["status"]) for j in data["journeys"]] == [
            ("browse-catalog", "ok"),
            ("checkout", "over-target"),
            ("track-order", "ok"),
        ]
    else:
        assert resp.status_code == int(expected)


@pytest.mark.parametrize("persona", list(ROLES))
def test_a_stored_models_simulation_follows_permissions(world, persona):
    resp = world.call(persona, "get", f"/api/v1/models/{world.arch.pk}/simulate?fail=payments")
    expected = expected_status(persona, "viewer")
    if expected == "ok":
        assert resp.status_code == 200
        data = resp.json()
        checkout = next(j for j in data["journeys"] if j["id"] == "checkout")
        assert checkout["state"] == "failed"
        assert checkout["path"] == ["gateway", "orders", "payments"]
        assert data["elements"]["payments"] == "failed"
    else:
        assert resp.status_code == int(expected)


def test_a_stored_models_simulation_takes_slow_and_refuses_a_bad_scenario(world):
    base = f"/api/v1/models/{world.arch.pk}/simulate"
    slow = world.call("owner", "get", f"{base}?slow=payments=250")
    assert slow.status_code == 200
    assert slow.json()["elements"]["payments"] in {"degraded", "ok"}
    bad = world.call("owner", "get", f"{base}?fail=no-such-element")
    assert bad.status_code == 422 and bad.json()["errors"]
    revision = world.arch.revision
    world.arch.refresh_from_db()
    assert world.arch.revision == revision  # nothing written


def test_a_stored_models_analysis_is_cached_by_content_hash(world, monkeypatch):
    arch = architecture_create(
        workspace=world.workspace, actor=Principal(user=world.users["owner"]), source=BODY
    )
    first = world.call("owner", "get", f"/api/v1/models/{arch.pk}/analysis")
    assert first.status_code == 200 and first.json()["journeys"][0]["id"] == "checkout"

    def boom(model):
        raise AssertionError("analysed twice")

    monkeypatch.setattr(services, "analyse_model", boom)
    again = world.call("owner", "get", f"/api/v1/models/{arch.pk}/analysis")
    assert again.json() == first.json()


def test_the_endpoints_are_in_the_openapi_schema(db):
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/analyse"]
    params = {p["name"] for p in paths["/api/v1/simulate"]["post"]["parameters"]}
    assert {"fail", "slow"} <= params
    assert "get" in paths["/api/v1/models/{model_id}/analysis"]
    assert "get" in paths["/api/v1/models/{model_id}/simulate"]
