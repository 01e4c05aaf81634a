"""compose.yaml: valid against the Compose Specification, and what the model says."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from apps.archmodel import Model
from exporters import export_bundle

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "compose-spec" / "compose-spec.json").read_text()
)


def compose(model: Model) -> dict:
    return yaml.safe_load(export_bundle(model, target="compose").files["compose.yaml"])


def test_generated_compose_files_are_valid_against_the_compose_specification(
    any_model: Model,
) -> None:
    doc = compose(any_model)
    errors = sorted(jsonschema.Draft7Validator(SCHEMA).iter_errors(doc), key=str)
    assert not errors, [e.message for e in errors]
    assert "version" not in doc and doc["name"] == any_model.name


def test_the_schema_fixture_rejects_what_compose_rejects() -> None:
    validator = jsonschema.Draft7Validator(SCHEMA)
    assert not validator.is_valid({"services": {"a": {"image": "x", "nonsense": 1}}})
    assert not validator.is_valid(
        {"services": {"a": {"depends_on": {"b": {"condition": "whenever"}}}}}
    )


def test_only_gateways_publish_ports(any_model: Model) -> None:
    # (outside the observability profile, whose UIs publish on 127.0.0.1 only: test_observability)
    services = compose(any_model)["services"]
    published = {name for name, s in services.items() if "ports" in s and "profiles" not in s}
    assert published == {s.id for s in any_model.services if s.kind == "gateway"}


def test_services_wait_for_their_datastores_brokers_and_callees_to_be_healthy(shop: Model) -> None:
    services = compose(shop)["services"]
    assert services["orders"]["depends_on"] == {
        **{
            name: {"condition": "service_healthy"}
            for name in ("orders-db", "catalog-db", "bus", "payments", "catalog")
        },
        # its processed-message table (idempotent consumer) is created before it starts
        "orders-migrate": {"condition": "service_completed_successfully"},
    }
    # the routes' services, and the verifier its auth_request asks
    assert set(services["gateway"]["depends_on"]) == {"catalog", "orders", "gateway-auth"}
    for name, svc in services.items():
        one_shot = svc["labels"]["dev.workbench.role"] == "migrations"
        # the observability profile: only where the image has a tool (test_observability)
        assert ("healthcheck" in svc or "profiles" in svc) != one_shot, name


def test_migrations_run_once_with_the_datastores_own_image_before_the_service(
    shop: Model,
) -> None:
    services = compose(shop)["services"]
    # payments keeps an outbox, orders a processed-message table; catalog and shipping neither
    assert {n for n, s in services.items() if n.endswith("-migrate")} == {
        "orders-migrate",
        "payments-migrate",
    }
    step = services["payments-migrate"]
    assert step["image"] == services["payments-db"]["image"]
    assert step["entrypoint"] == ["sh", "/migrations/migrate.sh"]
    assert step["volumes"] == ["./services/payments/migrations:/migrations:ro"]
    assert step["environment"]["DB_HOST"] == "payments-db"
    assert step["environment"]["DB_PASSWORD_FILE"] == "/run/secrets/payments-db-password"
    assert step["secrets"] == ["payments-db-password"]
    assert step["depends_on"] == {"payments-db": {"condition": "service_healthy"}}
    assert step["restart"] == "no"


def test_call_cycles_are_broken_so_compose_can_start(everything: Model) -> None:
    services = compose(everything)["services"]
    assert "nodejs" in services["py"]["depends_on"]
    assert "py" not in services["nodejs"].get("depends_on", {})


def test_datastores_and_brokers_run_pinned_official_images_on_named_volumes(
    any_model: Model,
) -> None:
    doc = compose(any_model)
    for name, svc in doc["services"].items():
        if "image" in svc and "build" not in svc and "profiles" not in svc:
            image = svc["image"]
            assert ":" in image and not image.endswith(":latest"), image
            if svc["labels"]["dev.workbench.role"] == "migrations":
                continue  # a one-shot step: the service's migrations, mounted read-only
            assert ":" in image and not image.endswith(":latest"), image
            volume = svc["volumes"][0].split(":")[0]
            assert volume in doc["volumes"]


def test_unmanaged_and_unused_backings_get_no_container(everything: Model) -> None:
    services = compose(everything)["services"]
    assert "legacy" not in services and "obus" not in services and "unused-db" not in services
    assert services["py"]["environment"]["DATASTORE_LEGACY_URL"].startswith("${LEGACY_URL:?")


@pytest.mark.parametrize(
    "runtime_service", ["nodejs", "golang", "javasvc", "dotnetsvc", "othersvc", "py"]
)
def test_every_runtime_gets_a_build_context_with_a_dockerfile(
    everything: Model, runtime_service: str
) -> None:
    files = export_bundle(everything, target="compose").files
    dockerfile = files[f"services/{runtime_service}/Dockerfile"].decode()
    assert "HEALTHCHECK" in dockerfile and "USER 10001" in dockerfile
    froms = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert froms and all(":" in image and "latest" not in image for image in froms)


def test_no_generated_secret_is_in_an_environment_value(any_model: Model) -> None:
    from exporters.common.infra import plan
    from exporters.compose import secret_name

    doc = compose(any_model)
    generated = {s.name for s in plan(any_model).secrets()}
    for name, svc in doc["services"].items():
        for key, value in (svc.get("environment") or {}).items():
            for secret in generated:
                assert f"${{{secret}:" not in str(value), (name, key)
        assert "PASSWORD}" not in str(svc.get("command", ""))
    declared = set(doc.get("secrets", {}))
    assert declared and declared <= {secret_name(s) for s in plan(any_model).secrets()}
    assert not any(p.startswith("secrets/") for p in export_bundle(any_model).files)


def test_secrets_are_files_mounted_into_the_services_that_read_them(shop: Model) -> None:
    doc = compose(shop)
    declared = doc["secrets"]
    for name, spec in declared.items():
        assert spec == {"file": f"./secrets/{name}.txt"}
    for name, svc in doc["services"].items():
        files = {v for k, v in (svc.get("environment") or {}).items() if k.endswith("_FILE")}
        mounted = {f"/run/secrets/{s}" for s in svc.get("secrets", [])}
        assert files <= mounted, name
        assert set(svc.get("secrets", [])) <= set(declared), name
    orders = doc["services"]["orders"]["environment"]
    assert orders["DATASTORE_ORDERS_DB_URL"] == "postgresql://orders_db@orders-db:5432/orders_db"
    assert orders["DATASTORE_ORDERS_DB_PASSWORD_FILE"] == "/run/secrets/orders-db-password"
    assert doc["services"]["orders-db"]["environment"]["POSTGRES_PASSWORD_FILE"] == (
        "/run/secrets/orders-db-password"
    )
    shipping = doc["services"]["shipping-db"]["environment"]
    assert "MYSQL_PASSWORD_FILE" in shipping and "MYSQL_ROOT_PASSWORD_FILE" in shipping
    bus = doc["services"]["bus"]
    assert "RABBITMQ_DEFAULT_PASS" not in bus["environment"]
    assert "$$(cat /run/secrets/bus-password)" in bus["entrypoint"][-1]


def test_redis_and_mongodb_read_their_passwords_from_files(everything: Model) -> None:
    doc = compose(everything)
    for name, svc in doc["services"].items():
        kind = svc.get("labels", {}).get("dev.workbench.kind")
        if kind == "redis":
            assert "--requirepass" in svc["entrypoint"][-1]
            assert "/run/secrets/" in svc["entrypoint"][-1] and "command" not in svc
            assert "/run/secrets/" in svc["healthcheck"]["test"][-1]
        if kind == "mongodb":
            assert "MONGO_INITDB_ROOT_PASSWORD_FILE" in svc["environment"]
