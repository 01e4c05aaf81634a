"""The generated migrations, applied for real by their own ``migrate.sh`` (as the compose step
and the Kubernetes init container run it), and the outbox and processed-message tables they
make, used by the Python skeleton on both SQL dialects."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from apps.archmodel.loader import model_from_data
from exporters import export_bundle

from . import runner
from .test_runnable import require, skeleton_python

__all__ = ["skeleton_python"]  # the fixture: the runnable tests' skeleton venv
pytestmark = pytest.mark.integration


def events_model(kind: str) -> dict[str, Any]:
    """``front`` publishes through an outbox in its ``kind`` database, ``back`` consumes
    idempotently with its processed-message table in its own."""
    return runner.isolated(
        {
            "apiVersion": "workbench/v1",
            "name": "migrated",
            "services": [
                {
                    "id": "front",
                    "observability": {"logging": "central", "metrics": True},
                    "data": ["front-db"],
                    "publishes": [{"event": "thing-happened", "outbox": True}],
                },
                {
                    "id": "back",
                    "observability": {"logging": "central", "metrics": True},
                    "data": ["back-db"],
                    "subscribes": [{"event": "thing-happened", "idempotent": True}],
                },
            ],
            "datastores": [
                {"id": "front-db", "kind": kind, "owner": "front"},
                {"id": "back-db", "kind": kind, "owner": "back"},
            ],
            "brokers": [{"id": "bus", "kind": "rabbitmq"}],
            "events": [{"id": "thing-happened", "broker": "bus", "channel": "things"}],
        }
    )


def query(bundle: runner.Bundle, kind: str, db: str, sql: str) -> list[str]:
    """Rows (tab-separated) of ``sql`` in this run's copy of database ``db``, as the superuser."""
    name = bundle.db_prefix + db
    if kind == "postgres":
        cmd = [
            "psql",
            "-X",
            "-tA",
            "-F",
            "\t",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            name,
            "-c",
            sql,
        ]
    else:
        cmd = ["mysql", "-uroot", "-h127.0.0.1", "--batch", "--skip-column-names", name, "-e", sql]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True).stdout
    return [line for line in out.splitlines() if line]


@pytest.fixture(params=["postgres", "mariadb"])
def bundle(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[runner.Bundle]:
    kind = request.param
    require("postgres", "mysql", "rabbitmq")
    doc = events_model(kind)
    bundle = runner.Bundle(
        runner.extract(export_bundle(model_from_data(doc), target="compose").to_zip(), tmp_path)
    )
    bundle.kind = kind  # type: ignore[attr-defined]
    try:
        bundle.prepare_datastores()  # creates the databases and runs both migrate steps
        yield bundle
    finally:
        bundle.drop_datastores()


def test_migrations_make_the_tables_once_and_record_them(bundle: runner.Bundle) -> None:
    kind = bundle.kind  # type: ignore[attr-defined]
    assert sorted(bundle.migration_steps()) == ["back-migrate", "front-migrate"]
    versions = "SELECT version, name FROM schema_migrations ORDER BY version"
    assert query(bundle, kind, "front_db", versions) == ["0001\t0001_workbench_outbox"]
    assert query(bundle, kind, "back_db", versions) == ["0002\t0002_workbench_processed"]
    assert query(bundle, kind, "front_db", "SELECT count(*) FROM workbench_outbox") == ["0"]
    # run again (every start does): nothing is applied twice, nothing fails
    again = bundle.migrate("front-migrate")
    assert "applying" not in again and "up to date" in again
    assert len(query(bundle, kind, "front_db", versions)) == 1


def test_a_broken_migration_stops_the_step_and_is_not_recorded(bundle: runner.Bundle) -> None:
    kind = bundle.kind  # type: ignore[attr-defined]
    migrations = bundle.root / "services" / "front" / "migrations"
    (migrations / "0100_broken.sql").write_text("CREATE TABLE broken (id INT PRIMARY KEY;\n")
    with pytest.raises(RuntimeError, match="front-migrate failed"):
        bundle.migrate("front-migrate")
    versions = query(bundle, kind, "front_db", "SELECT version FROM schema_migrations")
    assert versions == ["0001"]
    (migrations / "0100_broken.sql").write_text("CREATE TABLE fixed (id INT PRIMARY KEY);\n")
    assert "applying 0100_broken" in bundle.migrate("front-migrate")  # fixed, applied now
    assert query(
        bundle, kind, "front_db", "SELECT version FROM schema_migrations ORDER BY version"
    ) == [
        "0001",
        "0100",
    ]


def test_the_outbox_and_the_processed_table_work_on_this_dialect(
    bundle: runner.Bundle, skeleton_python: Path, tmp_path: Path
) -> None:
    kind = bundle.kind  # type: ignore[attr-defined]
    run = bundle.start(skeleton_python, tmp_path)
    try:
        for name in ("front", "back"):
            assert runner.wait_until(
                lambda n=name: runner.http("GET", run.url(n, "/readyz"))[0] == 200, 90
            ), run.log(name)
        marker = uuid.uuid4().hex
        status, body = runner.http(
            "POST", run.url("front", "/_events/publish/thing-happened"), {"marker": marker}
        )
        assert status == 202, body

        def received() -> list[dict[str, Any]]:
            events = runner.http("GET", run.url("back", "/_events/received"))[1]
            return [e for e in events if e["message"]["data"].get("marker") == marker]

        assert runner.wait_until(lambda: received(), 20), run.log("front")
        sent = query(
            bundle,
            kind,
            "front_db",
            "SELECT count(*) FROM workbench_outbox WHERE sent_at IS NOT NULL",
        )
        assert sent == ["1"]
        event_id = received()[0]["message"]["id"]
        rows = query(
            bundle, kind, "back_db", "SELECT consumer_group, event_id FROM workbench_processed"
        )
        assert rows == [f"back\t{event_id}"]
        envelope = json.loads(
            query(bundle, kind, "front_db", "SELECT envelope FROM workbench_outbox")[0]
        )
        assert envelope["id"] == event_id and envelope["data"] == {"marker": marker}
    finally:
        run.stop_all()
