"""Runs an exported bundle for real on this machine, without Docker.

The compose file is the source of truth: each Python service is started as a process with the
environment ``compose.yaml`` gives it, except that every address is pointed at 127.0.0.1 (real
PostgreSQL, MariaDB/MySQL, RabbitMQ, NATS, Redis; the services on free ports), and the
gateway's generated nginx config runs in a real nginx with its upstreams rewritten likewise.
"""

from __future__ import annotations

import hashlib
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

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WORKBENCH_SKELETON_VENV_CACHE", ROOT / "var" / "cache"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
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

    def url(self, service: str, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}{path}"

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


class Bundle:
    """An extracted bundle plus what is needed to run it on loopback."""

    def __init__(self, root: Path):
        self.root = root
        self.compose = yaml.safe_load((root / "compose.yaml").read_text())
        self.secrets = {
            line.split("=", 1)[0]: secrets.token_hex(12)
            for line in (root / ".env.example").read_text().splitlines()
            if line and not line.startswith("#")
        }

    def backing_kind(self, name: str) -> str | None:
        return self.compose["services"].get(name, {}).get("labels", {}).get("dev.workbench.kind")

    def python_services(self) -> list[str]:
        return [
            n
            for n, s in self.compose["services"].items()
            if "build" in s and (self.root / s["build"]["context"] / "app" / "main.py").exists()
        ]

    def gateways(self) -> list[str]:
        return [
            n
            for n, s in self.compose["services"].items()
            if "build" in s and (self.root / s["build"]["context"] / "nginx.conf").exists()
        ]

    def requirements(self) -> list[str]:
        out: list[str] = []
        for name in self.python_services():
            text = (self.root / "services" / name / "requirements.txt").read_text()
            out += [line for line in text.splitlines() if line and not line.startswith("#")]
        return out

    def prepare_datastores(self) -> None:
        """Create the per-service databases and users the compose file expects."""
        for name, svc in self.compose["services"].items():
            kind = self.backing_kind(name)
            env = {
                k: interpolate(str(v), self.secrets)
                for k, v in (svc.get("environment") or {}).items()
            }
            if kind == "postgres":
                create_postgres(env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_DB"])
            elif kind in ("mysql", "mariadb"):
                create_mysql(env["MYSQL_USER"], env["MYSQL_PASSWORD"], env["MYSQL_DATABASE"])

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
        if kind == "rabbitmq":
            userinfo = "guest:guest"  # the machine's RabbitMQ; guest may connect from loopback
        elif kind == "redis":
            userinfo = ""  # the machine's Redis has no password
        port = SERVICES["mysql" if kind == "mariadb" else kind]
        netloc = f"{userinfo + '@' if userinfo else ''}127.0.0.1:{port}"
        path = parts.path
        if kind == "redis":
            path = "/14"
        return urlunsplit(parts._replace(netloc=netloc, path=path))

    def service_env(self, name: str, ports: dict[str, int]) -> dict[str, str]:
        raw = self.compose["services"][name].get("environment") or {}
        env = {k: self.rewrite(interpolate(str(v), self.secrets), ports) for k, v in raw.items()}
        env.update(PORT=str(ports[name]), HOST="127.0.0.1", WORKBENCH_DEBUG_ENDPOINTS="1")
        return env

    def start(self, python: Path, tmp: Path) -> Running:
        names = self.python_services()
        ports = {n: free_port() for n in names}
        run = Running(self.root, ports)
        base_env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "HOME", "TMPDIR")}
        for name in names:
            log = tmp / f"{name}.log"
            run.logs[name] = log
            run.procs[name] = subprocess.Popen(
                [str(python), "-m", "app"],
                cwd=self.root / "services" / name,
                env={**base_env, **self.service_env(name, ports)},
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
        for gw in self.gateways():
            run.gateway_port = free_port()
            start_nginx(run, self.root / "services" / gw / "nginx.conf", ports, tmp / f"nginx-{gw}")
        return run


def create_postgres(user: str, password: str, db: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone()
        stmt = "ALTER ROLE {} LOGIN PASSWORD {}" if exists else "CREATE ROLE {} LOGIN PASSWORD {}"
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


def start_nginx(run: Running, conf: Path, ports: dict[str, int], prefix: Path) -> None:
    """The generated gateway conf, with upstream hosts and the listen port moved to loopback."""
    prefix.mkdir(parents=True, exist_ok=True)
    prefix.chmod(0o755)
    text = conf.read_text()
    for name, port in ports.items():
        text = re.sub(rf"server {re.escape(name)}:\d+;", f"server 127.0.0.1:{port};", text)
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
