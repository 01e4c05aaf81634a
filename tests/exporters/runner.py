"""Runs an exported bundle for real on this machine, without Docker.

The compose file is the source of truth: each Python service (and each gateway's verifier) is
started as a process with the environment ``compose.yaml`` gives it, except that every address
is pointed at loopback (real PostgreSQL, MariaDB/MySQL, RabbitMQ, NATS, Redis; the services on
free ports), and the gateway's generated nginx config runs in a real nginx. The gateway keeps
its upstream *names*: its ``resolver`` (Docker's DNS in a container) is pointed at ``FakeDNS``,
a small DNS server here that answers each service name with the loopback address the service
listens on, so a service restarted on another address is found as under Docker.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from .doubles import FakeDNS, FrozenServer, Issuer, TcpProxy, http_from

__all__ = [
    "FakeDNS",
    "FrozenServer",
    "Issuer",
    "TcpProxy",
    "http_from",
]  # used by the tests through here

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WORKBENCH_SKELETON_VENV_CACHE", ROOT / "var" / "cache"))
# nginx from PATH, else one unpacked from the distribution's package under var/nginx
# (`apt-get download nginx && dpkg -x nginx_*.deb var/nginx`): no root, no daemon.
NGINX = (
    os.environ.get("WORKBENCH_NGINX")
    or shutil.which("nginx")
    or next(
        (str(p) for p in (ROOT / "var" / "nginx" / "usr" / "sbin" / "nginx",) if p.exists()),
        "/usr/sbin/nginx",
    )
)
SERVICES = {"postgres": 5432, "mysql": 3306, "rabbitmq": 5672, "nats": 4222, "redis": 6379}


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(
    method: str,
    url: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if data is not None:
        req.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def skeleton_venv(requirements: list[str]) -> Path:
    """A venv with the union of the skeletons' pinned requirements, cached by their hash."""
    reqs = sorted(set(requirements))
    digest = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
    venv = CACHE / f"skeleton-venv-{digest}"
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return python
    shutil.rmtree(venv, ignore_errors=True)
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *reqs],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        raise RuntimeError(f"pip install failed: {result.stderr[-2000:]}")
    (venv / ".complete").write_text("\n".join(reqs))
    return python


def isolated(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (a model document, changed in place) with a unique system name and event channels,
    so runs that share the machine's brokers (parallel sessions, a re-run while a killed run's
    queues linger) never consume each other's messages."""
    tag = secrets.token_hex(3)
    doc["name"] = f"{doc.get('name', 'system')}-{tag}"
    for event in doc.get("events") or []:
        event["channel"] = f"{event.get('channel') or event['id']}.{tag}"
    return doc


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose interpolation for the forms the exporter emits: ${NAME:?msg}, $$."""
    value = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*):\?[^}]*\}", lambda m: env[m.group(1)], value)
    return value.replace("$$", "$")


@dataclass
class Running:
    root: Path
    ports: dict[str, int]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)
    gateway_port: int | None = None
    launch: dict[str, tuple[list[str], Path, dict[str, str]]] = field(default_factory=dict)
    dns: FakeDNS | None = None
    on_stop: list[Any] = field(default_factory=list)  # cleanups run by stop_all

    def spawn(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.launch[name] = (cmd, cwd, env)
        log = self.logs[name]
        self.procs[name] = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
        )

    def restart_at(self, name: str, host: str) -> None:
        """Stop ``name`` and start it again listening on ``host`` (same port), as a recreated
        container comes back on a new address; the DNS answers the new address from now on."""
        self.stop(name)
        cmd, cwd, env = self.launch[name]
        self.spawn(name, cmd, cwd, {**env, "HOST": host})
        if self.dns is not None:
            self.dns.records[name] = host

    def host(self, service: str) -> str:
        return self.dns.records.get(service, "127.0.0.1") if self.dns else "127.0.0.1"

    def url(self, service: str, path: str) -> str:
        return f"http://{self.host(service)}:{self.ports[service]}{path}"

    def gateway(self, path: str) -> str:
        return f"http://127.0.0.1:{self.gateway_port}{path}"

    def log(self, name: str) -> str:
        path = self.logs.get(name)
        return path.read_text(errors="replace")[-4000:] if path and path.exists() else ""

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)
        if self.dns is not None:
            self.dns.close()
        for cleanup in self.on_stop:
            cleanup()
        self.on_stop.clear()


class Bundle:
    """An extracted bundle plus what is needed to run it on loopback."""

    def __init__(self, root: Path, settings: dict[str, str] | None = None):
        """``settings``: values for what the operator supplies (addresses, the JWT issuer);
        the others get an unreachable address. Secrets (REPLACE_ME) get random values."""
        self.root = root
        self.compose = yaml.safe_load((root / "compose.yaml").read_text())
        # Databases and users on the shared servers get a unique prefix, and are dropped after.
        self.db_prefix = (
            os.environ.get("WORKBENCH_TEST_DB_PREFIX", "i15_") + secrets.token_hex(3) + "_"
        )
        self.created: list[tuple[str, str, str]] = []  # (kind, user, database)
        # backing kind -> the port services reach it on (a TcpProxy a test can cut), else the
        # machine's port from SERVICES
        self.backing_ports: dict[str, int] = {}
        self.secrets = {}
        for line in (root / ".env.example").read_text().splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.partition("=")
                generated = secrets.token_hex(12) if value == "REPLACE_ME" else "http://127.0.0.1:9"
                self.secrets[name] = (settings or {}).get(name, generated)

        # Compose secrets: written where compose.yaml says (as scripts/init-env.sh would), and a
        # /run/secrets/<name> path in a service's environment points at that file.
        self.secret_files: dict[str, Path] = {}
        for sname, spec in (self.compose.get("secrets") or {}).items():
            path = root / spec["file"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.secrets[sname.upper().replace("-", "_")])
            self.secret_files[f"/run/secrets/{sname}"] = path

    def env_of(self, name: str) -> dict[str, str]:
        """A service's compose environment, interpolated; ``*_FILE`` paths point at the files."""
        raw = self.compose["services"][name].get("environment") or {}
        env = {k: interpolate(str(v), self.secrets) for k, v in raw.items()}
        for key, value in list(env.items()):
            if key.endswith("_FILE") and value in self.secret_files:
                env[key] = str(self.secret_files[value])
        return env

    def resolved(self, env: dict[str, str]) -> dict[str, str]:
        """``*_FILE`` variables replaced by their values (what the images' entrypoints do)."""
        out = {k: v for k, v in env.items() if not k.endswith("_FILE")}
        for key, value in env.items():
            if key.endswith("_FILE"):
                out[key[:-5]] = Path(value).read_text()
        return out

    def backing_kind(self, name: str) -> str | None:
        return self.compose["services"].get(name, {}).get("labels", {}).get("dev.workbench.kind")

    def python_services(self) -> list[str]:
        return [
            n
            for n, s in self.compose["services"].items()
            if "build" in s and (self.root / s["build"]["context"] / "app" / "main.py").exists()
        ]

    def verifiers(self) -> list[str]:
        return [
            n
            for n, s in self.compose["services"].items()
            if "build" in s and (self.root / s["build"]["context"] / "verifier.py").exists()
        ]

    def gateways(self) -> list[str]:
        return [
            n
            for n, s in self.compose["services"].items()
            if "build" in s and (self.root / s["build"]["context"] / "nginx.conf").exists()
        ]

    def requirements(self) -> list[str]:
        out: list[str] = []
        for name in self.python_services() + self.verifiers():
            text = (self.root / "services" / name / "requirements.txt").read_text()
            out += [line for line in text.splitlines() if line and not line.startswith("#")]
        return out

    def prepare_datastores(self) -> None:
        """Create the per-service databases and users the compose file expects."""
        for name, svc in self.compose["services"].items():
            kind = self.backing_kind(name)
            env = self.resolved(self.env_of(name))
            p = self.db_prefix
            scripts = sorted((self.root / "datastores" / name / "initdb").glob("*.sh"))
            if kind == "postgres":
                user, db = p + env["POSTGRES_USER"], p + env["POSTGRES_DB"]
                create_postgres(user, env["POSTGRES_PASSWORD"], db)
                self.created.append(("postgres", user, db))
                if scripts:
                    self.created.append(("postgres", f"{db}_reader", ""))
                init_env = {
                    "POSTGRES_USER": user,
                    "POSTGRES_DB": db,
                    "PGHOST": "127.0.0.1",
                    "PGPASSWORD": env["POSTGRES_PASSWORD"],
                }
            elif kind in ("mysql", "mariadb"):
                user, db = p + env["MYSQL_USER"], p + env["MYSQL_DATABASE"]
                create_mysql(user, env["MYSQL_PASSWORD"], db)
                self.created.append(("mysql", user, db))
                if scripts:
                    self.created.append(("mysql", f"{db}_reader", ""))
                init_env = {"MYSQL_DATABASE": db, "MYSQL_ROOT_PASSWORD": ""}
            else:
                continue
            for script in scripts:  # the datastore's own init scripts, run as its image would
                run_init_script(script, {**env, **init_env})
        for name in self.migration_steps():
            self.migrate(name)

    def migration_steps(self) -> list[str]:
        """The one-shot ``<id>-migrate`` services (exporters/skeleton/migrations.py)."""
        return [
            n
            for n, s in self.compose["services"].items()
            if s.get("labels", {}).get("dev.workbench.role") == "migrations"
        ]

    def migrate(self, name: str) -> str:
        """Run a service's generated ``migrate.sh`` as its compose step would, against the
        machine's server (its database and user carry this run's prefix); returns its output."""
        step = self.compose["services"][name]
        env = self.resolved(self.env_of(name))
        kind = self.backing_kind(env["DB_HOST"])
        source, _, _ = step["volumes"][0].partition(":")
        script = self.root / source / "migrate.sh"
        run_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DB_HOST": "127.0.0.1",
            "DB_PORT": str(SERVICES["mysql" if kind == "mariadb" else str(kind)]),
            "DB_USER": self.db_prefix + env["DB_USER"],
            "DB_NAME": self.db_prefix + env["DB_NAME"],
            "DB_PASSWORD": env["DB_PASSWORD"],
        }
        result = subprocess.run(
            ["sh", str(script)], env=run_env, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise RuntimeError(f"{name} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def drop_datastores(self) -> None:
        for kind, user, db in self.created:
            try:
                if kind == "postgres":
                    drop_postgres(user, db)
                else:
                    drop_mysql(user, db)
            except Exception as exc:  # never fail a test run on cleanup
                print(f"cleanup of {db} failed: {exc}", file=sys.stderr)
        self.created.clear()

    def backing_kind_of_url(self, name: str, password_key: str) -> str | None:
        raw = self.compose["services"][name].get("environment") or {}
        url = str(raw.get(password_key[: -len("_PASSWORD_FILE")] + "_URL", ""))
        return self.backing_kind(urlsplit(url).hostname or "")

    def rewrite(self, value: str, ports: dict[str, int]) -> str:
        """Point a URL at loopback: services on their test ports, backings on the machine's."""
        if "://" not in value:
            return value
        parts = urlsplit(value)
        host = parts.hostname or ""
        if host in ports:
            netloc = f"127.0.0.1:{ports[host]}"
            return urlunsplit(parts._replace(netloc=netloc))
        kind = self.backing_kind(host)
        if kind is None:
            return value
        userinfo = parts.netloc.rpartition("@")[0]
        path = parts.path
        if kind in ("postgres", "mysql", "mariadb"):
            userinfo = self.db_prefix + userinfo
            path = "/" + self.db_prefix + path.lstrip("/")
        if kind == "rabbitmq":
            userinfo = "guest:guest"  # the machine's RabbitMQ; guest may connect from loopback
        elif kind == "redis":
            userinfo = ""  # the machine's Redis has no password
        port = self.backing_ports.get(kind) or SERVICES["mysql" if kind == "mariadb" else kind]
        netloc = f"{userinfo + '@' if userinfo else ''}127.0.0.1:{port}"
        if kind == "redis":
            path = "/14"
        return urlunsplit(parts._replace(netloc=netloc, path=path))

    def service_env(self, name: str, ports: dict[str, int]) -> dict[str, str]:
        env = {k: self.rewrite(v, ports) for k, v in self.env_of(name).items()}
        for key in [k for k in env if k.endswith("_PASSWORD_FILE")]:
            # the machine's RabbitMQ (guest) and Redis (no password) take no generated password
            if self.backing_kind_of_url(name, key) in ("rabbitmq", "redis"):
                del env[key]
        env.update(PORT=str(ports[name]), HOST="127.0.0.1", WORKBENCH_DEBUG_ENDPOINTS="1")
        # the observability profile's collector does not run here: spans are made, not exported
        # (a test that wants them sets OTEL_EXPORTER_OTLP_ENDPOINT to its own receiver)
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        return env

    def effective_env(self, name: str, ports: dict[str, int]) -> dict[str, str]:
        """What the service's code sees: its skeleton's ``app/__init__.py`` read the secret
        files and put the passwords into the URLs (the same function, run on a copy)."""
        spec = importlib.util.spec_from_file_location(
            f"skeleton_app_{name.replace('-', '_')}",
            self.root / "services" / name / "app" / "__init__.py",
        )
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        env = self.service_env(name, ports)
        module.load_secret_files(env)
        return env

    def other_runtime_services(self) -> dict[str, str]:
        """Services whose skeleton is not the Python one: name -> runtime (from spec.json)."""
        out: dict[str, str] = {}
        for n, s in self.compose["services"].items():
            spec = self.root / s.get("build", {}).get("context", "-") / "spec.json"
            if "build" in s and spec.exists() and n not in self.python_services():
                out[n] = json.loads(spec.read_text())["runtime"]
        return out

    def start(self, python: Path, tmp: Path) -> Running:
        """Start every service: Python ones with ``python``, the others with their runtime's
        launcher (``tests/exporters/runtimes``); a runtime without one is not started."""
        from .runtimes import LAUNCHERS

        names = self.python_services()
        verifiers = self.verifiers()
        others = {n: r for n, r in self.other_runtime_services().items() if r in LAUNCHERS}
        ports = {n: free_port() for n in names + verifiers + list(others)}
        run = Running(self.root, ports, dns=FakeDNS())
        base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME", "TMPDIR")}
        for name in names + verifiers + list(others):
            run.logs[name] = tmp / f"{name}.log"
            run.dns.records[name] = "127.0.0.1"
            service_dir = self.root / "services" / name
            if name in others:
                cmd = LAUNCHERS[others[name]](service_dir)
            elif name in names:
                cmd = [str(python), "-m", "app"]
            else:
                cmd = [str(python), "verifier.py"]
            env = {**base_env, **self.service_env(name, ports)}
            run.spawn(name, cmd, service_dir, env)
        for gw in self.gateways():
            run.gateway_port = free_port()
            start_nginx(run, self.root / "services" / gw / "nginx.conf", ports, tmp / f"nginx-{gw}")
        return run


# docs/skeletons.md: workbench_outbox(id, event, channel, envelope, created_at, sent_at) and
# workbench_processed(consumer_group, event_id, processed_at) with a primary key on both ids.
def create_postgres(user: str, password: str, db: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        # CREATEROLE: the datastore's init script makes the read-only role as this owner (in the
        # container the owner is the image's superuser)
        stmt = (
            "ALTER ROLE {} LOGIN CREATEROLE PASSWORD {}"
            if exists
            else "CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}"
        )
        conn.execute(sql.SQL(stmt).format(sql.Identifier(user), sql.Literal(password)))
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone():
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(db), sql.Identifier(user)
                )
            )


def create_mysql(user: str, password: str, db: str) -> None:
    statements = (
        f"CREATE DATABASE IF NOT EXISTS `{db}`;"
        f"CREATE USER IF NOT EXISTS '{user}'@'%' IDENTIFIED BY '{password}';"
        f"CREATE USER IF NOT EXISTS '{user}'@'localhost' IDENTIFIED BY '{password}';"
        f"ALTER USER '{user}'@'%' IDENTIFIED BY '{password}';"
        f"ALTER USER '{user}'@'localhost' IDENTIFIED BY '{password}';"
        f"GRANT ALL ON `{db}`.* TO '{user}'@'%';"
        f"GRANT ALL ON `{db}`.* TO '{user}'@'localhost';"
    )
    subprocess.run(
        ["mysql", "-uroot", "-h127.0.0.1", "-e", statements],
        check=True,
        capture_output=True,
        timeout=30,
    )


def run_init_script(script: Path, env: dict[str, str]) -> None:
    """A datastore init script (/docker-entrypoint-initdb.d) against the machine's server: psql
    over TCP, and a ``mariadb`` client that swaps the container's socket for 127.0.0.1."""
    bindir = script.parent / ".bin"
    bindir.mkdir(exist_ok=True)
    client = bindir / "mariadb"
    client.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do shift; [ "$a" = --protocol=socket ] || set -- "$@" "$a"; done\n'
        f'exec {shutil.which("mariadb") or shutil.which("mysql")} -h127.0.0.1 --protocol=tcp "$@"\n'
    )
    client.chmod(0o755)
    path = f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    result = subprocess.run(
        ["sh", str(script)], env={**env, "PATH": path}, capture_output=True, text=True, timeout=60
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script.name} failed: {result.stderr}")


def drop_postgres(user: str, db: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        if db:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db))
            )
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))


def drop_mysql(user: str, db: str) -> None:
    statements = (
        f"DROP DATABASE IF EXISTS `{db}`;" if db else ""
    ) + f"DROP USER IF EXISTS '{user}'@'%';DROP USER IF EXISTS '{user}'@'localhost';"
    subprocess.run(
        ["mysql", "-uroot", "-h127.0.0.1", "-e", statements],
        check=True,
        capture_output=True,
        timeout=30,
    )


def start_nginx(run: Running, conf: Path, ports: dict[str, int], prefix: Path) -> None:
    """The generated gateway conf: upstream names kept with the services' test ports, the
    resolver pointed at the FakeDNS, the listen port moved to loopback."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    text = conf.read_text()
    for name, port in ports.items():
        text = re.sub(rf"(?<= ){re.escape(name)}:\d+;", f"{name}:{port};", text)
    assert run.dns is not None
    text = text.replace("resolver 127.0.0.11 ", f"resolver 127.0.0.1:{run.dns.port} ")
    text = re.sub(r"listen \d+;", f"listen 127.0.0.1:{run.gateway_port};", text)
    (prefix / "gateway.conf").write_text(text)
    temp = "".join(
        f"    {kind}_temp_path {prefix}/{kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = (
        f"worker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log info;\n"
        "daemon off;\n"
        + ("user root;\n" if os.geteuid() == 0 else "")
        + "events { worker_connections 256; }\n"
        f"http {{\n    access_log {prefix}/access.log;\n{temp}    include {prefix}/gateway.conf;\n}}\n"
    )
    (prefix / "nginx.conf").write_text(main)
    check = subprocess.run(
        [NGINX, "-t", "-c", str(prefix / "nginx.conf"), "-p", str(prefix)],
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        raise RuntimeError(f"nginx -t failed:\n{check.stderr}")
    log = prefix / "stdout.log"
    run.logs["gateway"] = prefix / "error.log"
    run.procs["gateway"] = subprocess.Popen(
        [NGINX, "-c", str(prefix / "nginx.conf"), "-p", str(prefix)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )


def wait_until(predicate, timeout: float = 60, interval: float = 0.3) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except OSError:
            pass
        time.sleep(interval)
    return False


def extract(zip_bytes: bytes, into: Path) -> Path:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as zf:
        zf.extractall(into)
        top = {n.split("/", 1)[0] for n in zf.namelist()}
    assert len(top) == 1
    return into / top.pop()


def tmpdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="wb-export-run-"))
