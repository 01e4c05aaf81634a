"""A real server for browser tests and the live benchmark: daphne serving workbench.asgi in a
subprocess, with its own SQLite file (or DATABASE_URL/REDIS_URL when given), migrated and ready.

The subprocess is the real thing (HTTP + websockets + the embedded Celery worker + the channel
layer) and shares nothing with the test process but the database file, so there are no thread
or in-memory database tricks to go wrong.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    workdir: Path
    env: dict[str, str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.workdir / "daphne.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def manage(self, *args: str) -> str:
        out = subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if out.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
        return out.stdout

    def python(self, code: str) -> Any:
        """Run Django code in the server's database; the code sets ``result`` (JSON)."""
        script = "import json\n" + code + "\nprint('@@RESULT@@' + json.dumps(result, default=str))"
        # Through a file: a model in the script can be larger than a command line may be.
        path = self.workdir / f"script-{time.monotonic_ns()}.py"
        path.write_text(script, encoding="utf-8")
        out = self.manage("shell", "-c", f"exec(open({str(path)!r}, encoding='utf-8').read())")
        return json.loads(out.split("@@RESULT@@", 1)[1])

    def start(self) -> LiveServer:
        self.manage("migrate", "--noinput")
        self.port = free_port()
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [PY, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port),
                 "workbench.asgi:application"],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        # Generous: on a shared, busy 2-core machine Django alone can take most of a minute to
        # import; a server that does not answer is stopped, not left behind.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=1) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.proc.kill()
        self.proc.wait()
        raise RuntimeError(f"daphne did not answer in 120 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def server_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    env.update(
        DJANGO_SETTINGS_MODULE="workbench.settings.local",
        DEBUG="true",  # WhiteNoise serves static files from the source tree
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY="browser-tests-only",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if not env.get("DATABASE_URL") or "sqlite" in env.get("DATABASE_URL", ""):
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'db.sqlite3'}"
    env.update(extra)
    return env


SETUP_USERS = """
from django.contrib.auth.models import User
from apps.workspaces.services import workspace_create, membership_add
from apps.architectures.services import architecture_create
from apps.workspaces.principal import Principal
spec = json.loads({spec!r})
users = {{}}
for name in spec["users"]:
    u = User.objects.filter(username=name).first() or User.objects.create_user(name, password=spec["password"])
    users[name] = u
ws = workspace_create(name=spec["workspace"], owner=users[spec["owner"]])
for name, role in spec.get("members", {{}}).items():
    membership_add(workspace=ws, username=name, role=role)
models = {{}}
for name, source in spec.get("models", {{}}).items():
    arch = architecture_create(workspace=ws, actor=Principal(user=users[spec["owner"]]), source=source, name=None if source else name)
    models[name] = arch.pk
result = {{"workspace": ws.pk, "models": models}}
"""


def setup_world(server: LiveServer, **spec: Any) -> dict[str, Any]:
    """Users (password ``spec['password']``), a workspace and models, in the server's database."""
    return server.python(SETUP_USERS.format(spec=json.dumps(spec)))
