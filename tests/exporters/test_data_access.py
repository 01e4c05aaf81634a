"""Least privilege for data, for real: a service that only reads another service's database
(``access: read``) connects as a read-only role made by the datastore's own init script, run
against the machine's PostgreSQL and MariaDB."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from apps.archmodel import load_model, model_from_data
from exporters import export_bundle

from . import runner
from .test_runnable import require, shop_source

pytestmark = pytest.mark.integration


@pytest.fixture
def bundle(tmp_path: Path) -> runner.Bundle:
    require("postgres", "mysql")
    doc = copy.deepcopy(load_model(shop_source()).document)
    orders = next(s for s in doc["services"] if s["id"] == "orders")
    orders["data"].append({"store": "shipping-db", "access": "read"})  # a MariaDB one too
    model = model_from_data(doc)
    bundle = runner.Bundle(
        runner.extract(export_bundle(model, target="compose").to_zip(), tmp_path)
    )
    bundle.prepare_datastores()
    yield bundle
    bundle.drop_datastores()


def urls(bundle: runner.Bundle, service: str) -> dict[str, str]:
    ports = dict.fromkeys(bundle.python_services() + bundle.verifiers(), 1)
    return bundle.effective_env(service, ports)


def test_a_read_only_consumer_cannot_write_the_owners_postgres_database(
    bundle: runner.Bundle,
) -> None:
    import psycopg

    owner = urls(bundle, "catalog")["DATASTORE_CATALOG_DB_URL"]
    reader = urls(bundle, "orders")["DATASTORE_CATALOG_DB_URL"]
    assert urlsplit(reader).username.endswith("catalog_db_reader")
    with psycopg.connect(owner, autocommit=True) as conn:
        conn.execute("CREATE TABLE products (id serial PRIMARY KEY, name text)")
        conn.execute("INSERT INTO products (name) VALUES ('tea')")
    with psycopg.connect(reader, autocommit=True) as conn:
        assert conn.execute("SELECT name FROM products").fetchall() == [("tea",)]
        for statement in (
            "INSERT INTO products (name) VALUES ('coffee')",
            "UPDATE products SET name = 'x'",
            "DELETE FROM products",
            "CREATE TABLE mine (id int)",
            "DROP TABLE products",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    # the owner and the services that write keep their own credentials
    assert urlsplit(owner).username.endswith("catalog_db")


def mysql(url: str, statement: str) -> subprocess.CompletedProcess[str]:
    u = urlsplit(url)
    return subprocess.run(
        [
            "mysql",
            "-h127.0.0.1",
            "--protocol=tcp",
            f"-u{unquote(u.username or '')}",
            f"--password={unquote(u.password or '')}",
            u.path.lstrip("/"),
            "-Ne",
            statement,
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_a_read_only_consumer_cannot_write_the_owners_mariadb_database(
    bundle: runner.Bundle,
) -> None:
    owner = urls(bundle, "shipping")["DATASTORE_SHIPPING_DB_URL"]
    reader = urls(bundle, "orders")["DATASTORE_SHIPPING_DB_URL"]
    assert urlsplit(reader).username.endswith("shipping_db_reader")
    created = mysql(owner, "CREATE TABLE parcels (id int); INSERT INTO parcels VALUES (1)")
    assert created.returncode == 0, created.stderr
    assert mysql(reader, "SELECT id FROM parcels").stdout.split() == ["1"]
    for statement in (
        "INSERT INTO parcels VALUES (2)",
        "DELETE FROM parcels",
        "CREATE TABLE t (i int)",
    ):
        result = mysql(reader, statement)
        assert result.returncode != 0 and "denied" in result.stderr, (statement, result)
