"""The containers a bundle runs for datastores and brokers: image, port, data path, health
check, credentials, the URL a client uses, and for databases some service only reads, the
read-only role's init script."""

from __future__ import annotations

from pathlib import Path

from apps.archmodel.types import Broker, Datastore

from .images import BROKER_IMAGES, DATASTORE_IMAGES
from .infra import Backing, Secret, literal
from .safe import env_key


def _db_name(element_id: str) -> str:
    return element_id.replace("-", "_")


READER_SCRIPTS = {
    "postgres": ("10-readers.sh", "postgres-readers.sh"),
    "mysql": ("10-readers.sh", "mysql-readers.sh"),
    "mariadb": ("10-readers.sh", "mysql-readers.sh"),
}
INITDB_PATH = "/docker-entrypoint-initdb.d"


def _reader(b: Backing, ds: Datastore, name: str, scheme: str, port: int) -> None:
    """Adds the read-only role ``<db>_reader``: its password, URL and init script."""
    reader = Secret(env_key("", ds.id, "READER_PASSWORD"), ds.id, "reader-password")
    b.env["READER_PASSWORD"] = (reader,)
    b.secrets.append(reader)
    b.reader_url = (f"{scheme}://{name}_reader:", reader, f"@{ds.id}:{port}/{name}")
    target, source = READER_SCRIPTS[ds.kind]
    b.init_scripts[target] = (Path(__file__).parent / "files" / source).read_bytes()


def datastore_backing(ds: Datastore, *, readers: bool = False) -> Backing | None:
    """The container for a datastore, or None when its kind has no official image (``other``).

    ``readers``: some service only reads it, so it gets a read-only role too (postgres, mysql,
    mariadb; other kinds give readers the owner's credentials, as the README says).
    """
    image = DATASTORE_IMAGES.get(ds.kind)
    if image is None:
        return None
    name = _db_name(ds.id)
    pw = Secret(env_key("", ds.id, "PASSWORD"), ds.id, "password")
    b = Backing(ds.id, ds.kind, "datastore", image, 0, "", modelled_replicas=ds.replicas)
    host = ds.id
    if ds.kind == "postgres":
        b.port, b.data_path, b.uid = 5432, "/var/lib/postgresql/data", 999
        b.env = {
            "POSTGRES_USER": literal(name),
            "POSTGRES_DB": literal(name),
            "POSTGRES_PASSWORD": (pw,),
            "PGDATA": literal("/var/lib/postgresql/data/pgdata"),
        }
        b.healthcheck = ["pg_isready", "-U", name, "-d", name]
        b.secrets = [pw]
        b.client_url = (f"postgresql://{name}:", pw, f"@{host}:5432/{name}")
        if readers:
            _reader(b, ds, name, "postgresql", 5432)
    elif ds.kind in ("mysql", "mariadb"):
        root = Secret(env_key("", ds.id, "ROOT_PASSWORD"), ds.id, "root-password")
        b.port, b.data_path, b.uid = 3306, "/var/lib/mysql", 999
        b.env = {
            "MYSQL_DATABASE": literal(name),
            "MYSQL_USER": literal(name),
            "MYSQL_PASSWORD": (pw,),
            "MYSQL_ROOT_PASSWORD": (root,),
        }
        b.healthcheck = (
            ["healthcheck.sh", "--connect", "--innodb_initialized"]
            if ds.kind == "mariadb"
            else ["mysqladmin", "ping", "-h", "127.0.0.1"]
        )
        b.secrets = [pw, root]
        b.client_url = (f"mysql://{name}:", pw, f"@{host}:3306/{name}")
        if readers:
            _reader(b, ds, name, "mysql", 3306)
    elif ds.kind == "mongodb":
        b.port, b.data_path, b.uid = 27017, "/data/db", 999
        b.env = {"MONGO_INITDB_ROOT_USERNAME": literal(name), "MONGO_INITDB_ROOT_PASSWORD": (pw,)}
        b.healthcheck = ["mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]
        b.secrets = [pw]
        b.client_url = (f"mongodb://{name}:", pw, f"@{host}:27017/{name}?authSource=admin")
    elif ds.kind == "redis":
        _redis(b, pw, host)
    elif ds.kind == "cassandra":
        b.port, b.data_path = 9042, "/var/lib/cassandra"
        b.healthcheck = ["cqlsh", "-e", "describe keyspaces"]
        b.client_url = literal(f"cassandra://{host}:9042")
    elif ds.kind == "elasticsearch":
        b.port, b.data_path, b.uid = 9200, "/usr/share/elasticsearch/data", 1000
        b.env = {
            "discovery.type": literal("single-node"),
            "xpack.security.enabled": literal("false"),
            "ES_JAVA_OPTS": literal("-Xms512m -Xmx512m"),
        }
        b.healthcheck = ["curl", "-fsS", "http://127.0.0.1:9200/_cluster/health"]
        b.client_url = literal(f"http://{host}:9200")
    return b


def broker_backing(br: Broker) -> Backing | None:
    image = BROKER_IMAGES.get(br.kind)
    if image is None:
        return None
    host = br.id
    b = Backing(br.id, br.kind, "broker", image, 0, "", modelled_replicas=br.replicas)
    pw = Secret(env_key("", br.id, "PASSWORD"), br.id, "password")
    if br.kind == "rabbitmq":
        b.port, b.data_path, b.uid = 5672, "/var/lib/rabbitmq", 999
        b.env = {"RABBITMQ_DEFAULT_USER": literal("workbench"), "RABBITMQ_DEFAULT_PASS": (pw,)}
        b.healthcheck = ["rabbitmq-diagnostics", "-q", "ping"]
        b.secrets = [pw]
        b.client_url = ("amqp://workbench:", pw, f"@{host}:5672/")
    elif br.kind == "kafka":
        b.port, b.data_path, b.uid = 9092, "/var/lib/kafka/data", 1000
        b.env = {
            "KAFKA_NODE_ID": literal("1"),
            "KAFKA_PROCESS_ROLES": literal("broker,controller"),
            "KAFKA_LISTENERS": literal("PLAINTEXT://:9092,CONTROLLER://:9093"),
            "KAFKA_ADVERTISED_LISTENERS": literal(f"PLAINTEXT://{host}:9092"),
            "KAFKA_CONTROLLER_LISTENER_NAMES": literal("CONTROLLER"),
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": literal(
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
            ),
            "KAFKA_CONTROLLER_QUORUM_VOTERS": literal("1@localhost:9093"),
            "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": literal("1"),
            "KAFKA_LOG_DIRS": literal("/var/lib/kafka/data"),
        }
        b.healthcheck = [
            "/opt/kafka/bin/kafka-broker-api-versions.sh",
            "--bootstrap-server",
            "127.0.0.1:9092",
        ]
        b.client_url = literal(f"kafka://{host}:9092")
    elif br.kind == "nats":
        b.port, b.data_path = 4222, "/data"
        b.command = [
            literal("--jetstream"),
            literal("--store_dir=/data"),
            literal("--http_port=8222"),
        ]
        b.healthcheck = ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8222/healthz"]
        b.client_url = literal(f"nats://{host}:4222")
    elif br.kind == "redis":
        _redis(b, pw, host)
    return b


def _redis(b: Backing, pw: Secret, host: str) -> None:
    """A password-protected, persistent Redis: the same container whether the model uses it as a
    datastore or as a broker."""
    b.port, b.data_path, b.uid = 6379, "/data", 999
    b.command = [
        literal("redis-server"),
        literal("--appendonly"),
        literal("yes"),
        literal("--requirepass"),
        (pw,),
    ]
    b.healthcheck = ["sh", "-c", 'redis-cli -a "$$REDIS_PASSWORD" --no-auth-warning ping']
    b.env = {"REDIS_PASSWORD": (pw,)}
    b.secrets = [pw]
    b.client_url = ("redis://:", pw, f"@{host}:6379/0")
