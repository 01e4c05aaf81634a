"""Schema migrations for the tables the skeletons keep in a service's SQL datastore.

Runtime-neutral, so every runtime's service uses the same ones: ``services/<id>/migrations/``
holds ``NNNN_<name>.sql`` files in the dialect of the service's events store
(``spec.events_store``: PostgreSQL, or MySQL/MariaDB) and ``migrate.sh``, a POSIX shell runner
that applies each file once, in order, and records it in ``schema_migrations``. It runs with the
datastore image's own client (psql, mariadb/mysql): in compose as the one-shot service
``<id>-migrate`` the service waits for, in Kubernetes as the service's init container.

Only what the model asks for is generated: ``0001_workbench_outbox`` when a publication has an
outbox, ``0002_workbench_processed`` when a subscription is idempotent. The numbers are fixed
per table, so a model that gains one later gets the missing file and nothing re-runs. Add your
own tables as ``0100_*.sql`` and up.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from apps.archmodel.types import Service
from exporters.common.infra import Plan

from .spec import events_store

FILES = Path(__file__).parent / "files" / "migrate"
MOUNT = "/migrations"  # where the init step finds them
# The datastore image's variables (in its Backing) holding what the migrations connect with.
CREDENTIALS = {
    "postgres": ("POSTGRES_USER", "POSTGRES_DB", "POSTGRES_PASSWORD"),
    "mysql": ("MYSQL_USER", "MYSQL_DATABASE", "MYSQL_PASSWORD"),
}

OUTBOX = {
    "postgres": """-- The transactional outbox: events written with the business data, published by the relay.
CREATE TABLE IF NOT EXISTS workbench_outbox (
    id BIGSERIAL PRIMARY KEY,
    event VARCHAR(255) NOT NULL,
    channel VARCHAR(255) NOT NULL,
    envelope TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at TIMESTAMPTZ NULL
);
CREATE INDEX IF NOT EXISTS workbench_outbox_unsent ON workbench_outbox (id) WHERE sent_at IS NULL;
""",
    "mysql": """-- The transactional outbox: events written with the business data, published by the relay.
CREATE TABLE IF NOT EXISTS workbench_outbox (
    id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    event VARCHAR(255) NOT NULL,
    channel VARCHAR(255) NOT NULL,
    envelope LONGTEXT NOT NULL,
    created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    sent_at TIMESTAMP(6) NULL DEFAULT NULL,
    KEY workbench_outbox_unsent (sent_at, id)
) DEFAULT CHARSET = utf8mb4;
""",
}
PROCESSED = {
    "postgres": """-- Event ids each consumer group has handled: idempotent consumers skip the ones in here.
CREATE TABLE IF NOT EXISTS workbench_processed (
    consumer_group VARCHAR(255) NOT NULL,
    event_id VARCHAR(255) NOT NULL,
    processed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, event_id)
);
""",
    "mysql": """-- Event ids each consumer group has handled: idempotent consumers skip the ones in here.
CREATE TABLE IF NOT EXISTS workbench_processed (
    consumer_group VARCHAR(191) NOT NULL,
    event_id VARCHAR(191) NOT NULL,
    processed_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (consumer_group, event_id)
) DEFAULT CHARSET = utf8mb4;
""",
}


@dataclass(frozen=True)
class Migrations:
    """What one service's init step does: which datastore, which dialect, which files."""

    service: str
    store: str  # the datastore id (its backing container / Kubernetes Service)
    dialect: str  # "postgres" | "mysql" (MySQL and MariaDB)
    files: dict[str, bytes]  # name -> content, migrate.sh included

    @property
    def step(self) -> str:
        """The compose service / init container that runs them."""
        return f"{self.service}-migrate"


def migrations_of(plan: Plan, svc: Service) -> Migrations | None:
    """The service's migrations, or None when it keeps no table in a SQL datastore."""
    store = events_store(plan, svc)
    outbox = any(p.outbox for p in svc.publishes)
    processed = any(s.idempotent for s in svc.subscribes)
    if store is None or not (outbox or processed) or store not in plan.backings:
        return None
    dialect = "postgres" if plan.backings[store].kind == "postgres" else "mysql"
    files: dict[str, bytes] = {}
    if outbox:
        files["0001_workbench_outbox.sql"] = OUTBOX[dialect].encode()
    if processed:
        files["0002_workbench_processed.sql"] = PROCESSED[dialect].encode()
    files["migrate.sh"] = (FILES / f"{dialect}.sh").read_bytes()
    return Migrations(svc.id, store, dialect, files)
