"""The Go skeleton, built without the module proxy: ``go build`` in GOPATH mode against the Go
libraries Debian packages under /usr/share/gocode (the versions the bundle's go.mod pins).

The binary is cached under var/cache by the hash of the sources and the toolchain, so a test
run builds each skeleton version once; ``go vet`` runs with every build.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from . import LAUNCHERS

DEBIAN_GOPATH = Path("/usr/share/gocode")
# one import path per Debian package the skeleton needs (.ci/run installs them)
DEBIAN_LIBS = {
    "github.com/prometheus/client_golang": "golang-github-prometheus-client-golang-dev",
    "github.com/rabbitmq/amqp091-go": "golang-github-rabbitmq-amqp091-go-dev",
    "github.com/nats-io/nats.go": "golang-github-nats-io-go-nats-dev",
    "github.com/lib/pq": "golang-github-lib-pq-dev",
    "github.com/go-sql-driver/mysql": "golang-github-go-sql-driver-mysql-dev",
    "github.com/gomodule/redigo": "golang-github-gomodule-redigo-dev",
    "go.opentelemetry.io/otel/sdk": "golang-opentelemetry-otel-dev",
    "gopkg.in/square/go-jose.v2": "golang-gopkg-square-go-jose.v2-dev",
}


def _cache() -> Path:
    from ..runner import CACHE

    return CACHE


def go_env(cache: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return {
        **base,
        "GO111MODULE": "off",
        "GOPATH": f"{DEBIAN_GOPATH}:{cache / 'gopath'}",
        "GOCACHE": str(cache / "go-build"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }


def build(service_dir: Path) -> Path:
    """The service's binary (built and vetted once per source version), or pytest.skip."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("go is not installed (apt-get install golang-go)")
    missing = [
        pkg for path, pkg in DEBIAN_LIBS.items() if not (DEBIAN_GOPATH / "src" / path).is_dir()
    ]
    if missing:
        pytest.skip(f"Debian's Go libraries are not installed: apt-get install {' '.join(missing)}")
    sources = sorted(service_dir.glob("*.go"))
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout
    digest = hashlib.sha256(version.encode())
    for path in sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    cache = _cache()
    binary = cache / f"go-skeleton-{digest.hexdigest()[:16]}" / "service"
    if binary.exists():
        return binary
    binary.parent.mkdir(parents=True, exist_ok=True)
    env = go_env(cache)
    partial = binary.with_name(f"service.{os.getpid()}.partial")
    for cmd in ([go, "vet", "."], [go, "build", "-trimpath", "-o", str(partial), "."]):
        result = subprocess.run(
            cmd, cwd=service_dir, env=env, capture_output=True, text=True, timeout=900
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:2])} failed:\n{result.stderr[-4000:]}")
    partial.replace(binary)  # atomic: concurrent runs never start a half-written binary
    return binary


def launch(service_dir: Path) -> list[str]:
    return [str(build(service_dir))]


LAUNCHERS["go"] = launch
