"""The Docker Compose target: ``compose.yaml`` (Compose Specification, no ``version:``).

- one service per exported model service, built from ``services/<id>`` (see the skeleton
  target), with a healthcheck on its readiness path and ``depends_on`` its datastores, brokers
  and callees with ``condition: service_healthy`` (call edges that would close a cycle are left
  out: Compose refuses cycles);
- one container per datastore and broker from a pinned official image, data on a named volume;
- for a service with migrations (``exporters/skeleton/migrations.py``), the one-shot
  ``<id>-migrate`` service applying them with the datastore's image; the service depends on it
  with ``condition: service_completed_successfully``;
- only gateways publish a port; everything else is reachable on the project network only
  (the observability profile's UIs excepted, on 127.0.0.1: ``exporters.observability``);
- generated secrets (passwords, API keys) are Compose ``secrets:`` files
  (``./secrets/<name>.txt``, written by ``scripts/init-env.sh``, never part of the bundle)
  mounted under ``/run/secrets``: images read ``<NAME>_FILE``, the skeleton builds its URLs
  from ``<PREFIX>_URL`` (no password) + ``<PREFIX>_PASSWORD_FILE``; Redis and RabbitMQ read
  theirs in a shell entrypoint. Operator settings (addresses, the JWT issuer) stay
  ``${NAME:?...}`` interpolations from ``.env``.
"""

from __future__ import annotations

from typing import Any

from apps.archmodel.quantity import quantity_value
from exporters.common import yamlout
from exporters.common.backings import INITDB_PATH
from exporters.common.infra import GRAFANA_ADMIN_PASSWORD, Backing, Plan, Secret, Value
from exporters.skeleton.gateway import upstream_check_command
from exporters.skeleton.migrations import CREDENTIALS, MOUNT, Migrations, migrations_of
from exporters.skeleton.spec import health_paths

SECRETS_DIR = "/run/secrets"
HEALTH_TIMING = {"interval": "10s", "timeout": "3s", "retries": 6, "start_period": "20s"}


def render(value: Value) -> str:
    """A value for compose.yaml: secrets become required ``${NAME}`` interpolations.

    Literal parts are escaped (``$`` → ``$$``) so nothing from the model is ever interpolated.
    """
    out = []
    for part in value:
        if isinstance(part, Secret):
            out.append(f"${{{part.name}:?set {part.name} in .env (see .env.example)}}")
        else:
            out.append(part.replace("$", "$$"))
    return "".join(out)


def secret_name(secret: Secret) -> str:
    """``ORDERS_DB_PASSWORD`` → ``orders-db-password`` (file ``secrets/orders-db-password.txt``)."""
    return secret.name.lower().replace("_", "-")


def secret_path(secret: Secret) -> str:
    return f"{SECRETS_DIR}/{secret_name(secret)}"


def file_env(key: str, value: Value, used: list[Secret]) -> dict[str, str]:
    """One variable for compose.yaml with no generated secret in it.

    A value that is a generated secret becomes ``<KEY>_FILE``; a URL with the password as its
    userinfo becomes the URL without it plus ``<PREFIX>_PASSWORD_FILE`` (the skeleton puts the
    password back at start-up). Operator settings stay interpolations.
    """
    owned = [p for p in value if isinstance(p, Secret) and not p.operator_supplied]
    if not owned:
        return {key: render(value)}
    secret = owned[0]
    if value == (secret,):
        used.append(secret)
        return {f"{key}_FILE": secret_path(secret)}
    if key.endswith("_URL") and len(value) == 3 and value[1] == secret:
        prefix, suffix = value[0], value[2]
        if isinstance(prefix, str) and isinstance(suffix, str) and prefix.endswith(":"):
            prefix = prefix[:-1]
            if prefix.endswith("://"):  # no user name (Redis): no "@" either
                suffix = suffix.removeprefix("@")
            used.append(secret)
            return {
                key: render((prefix + suffix,)),
                f"{key[:-4]}_PASSWORD_FILE": secret_path(secret),
            }
    raise ValueError(f"{key}: a secret in a value compose cannot read from a file")


def cpus(cpu: str | None) -> str | None:
    """A Kubernetes CPU quantity (validated by the model core) as compose's ``cpus``."""
    if not cpu:
        return None
    return f"{float(quantity_value(cpu)):g}"


def memory(mem: str | None) -> str | None:
    if not mem:
        return None
    units = {"Ki": "k", "Mi": "m", "Gi": "g", "K": "k", "M": "m", "G": "g"}
    for suffix, unit in units.items():
        if mem.endswith(suffix) and mem[: -len(suffix)].replace(".", "", 1).isdigit():
            return mem[: -len(suffix)] + unit
    return str(int(quantity_value(mem)))  # bytes: any other quantity compose cannot spell


def _acyclic_depends(plan: Plan) -> dict[str, list[str]]:
    """Callee edges, dropping any that would close a cycle (in model order)."""
    edges: dict[str, list[str]] = {s.id: [] for s in plan.services}

    def reaches(a: str, b: str) -> bool:
        stack, seen = [a], set()
        while stack:
            node = stack.pop()
            if node == b:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, []))
        return False

    for svc in plan.services:
        for callee in plan.callees(svc):
            if not reaches(callee, svc.id):
                edges[svc.id].append(callee)
    return edges


def _shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _backing_service(b: Backing, used: list[Secret]) -> dict[str, Any]:
    """The container; its secrets as files (``*_FILE``, which the official images read)."""
    out: dict[str, Any] = {"image": b.image}
    env: dict[str, str] = {}
    healthcheck = ["CMD", *b.healthcheck]
    if b.kind == "redis":  # no *_FILE in the image: the entrypoint reads the file
        pw = b.secrets[0]
        used.append(pw)
        args = " ".join(_shell_quote(render(v)) for v in b.command[:-2])
        out["entrypoint"] = [
            "sh",
            "-c",
            f'exec docker-entrypoint.sh {args} --requirepass "$$(cat {secret_path(pw)})"',
        ]
        healthcheck = [
            "CMD",
            "sh",
            "-c",
            f'REDISCLI_AUTH="$$(cat {secret_path(pw)})" redis-cli --no-auth-warning ping',
        ]
    elif b.kind == "rabbitmq":  # RABBITMQ_DEFAULT_PASS_FILE is gone from the image (3.9+)
        pw = b.secrets[0]
        used.append(pw)
        env["RABBITMQ_DEFAULT_USER"] = render(b.env["RABBITMQ_DEFAULT_USER"])
        out["entrypoint"] = [
            "sh",
            "-c",
            f'RABBITMQ_DEFAULT_PASS="$$(cat {secret_path(pw)})" '
            "exec docker-entrypoint.sh rabbitmq-server",
        ]
    else:
        if b.command:
            out["command"] = [render(v) for v in b.command]
        for k, v in b.env.items():
            env.update(file_env(k, v, used))
    if env:
        out["environment"] = env
    out["volumes"] = [f"{b.id}-data:{b.data_path}"]
    if b.init_scripts:  # the read-only role for services that only read (runs on first start)
        out["volumes"].append(f"./{b.role}s/{b.id}/initdb:{INITDB_PATH}:ro")
    out["healthcheck"] = {"test": healthcheck, **HEALTH_TIMING}
    out["restart"] = "unless-stopped"
    out["labels"] = {
        "dev.workbench.element": b.id,
        "dev.workbench.role": b.role,
        "dev.workbench.kind": b.kind,
    }
    return out


def _migrate_service(plan: Plan, m: Migrations, used: list[Secret]) -> dict[str, Any]:
    """The one-shot ``<id>-migrate`` service: the datastore's own image and client run the
    service's ``migrations/migrate.sh``; the service starts once it has exited 0."""
    backing = plan.backings[m.store]
    user, db, password = CREDENTIALS[m.dialect]
    env = {
        "DB_HOST": m.store,
        "DB_PORT": str(backing.port),
        "DB_USER": render(backing.env[user]),
        "DB_NAME": render(backing.env[db]),
    }
    env.update(file_env("DB_PASSWORD", backing.env[password], used))
    return {
        "image": backing.image,
        "entrypoint": ["sh", f"{MOUNT}/migrate.sh"],
        "environment": env,
        "volumes": [f"./services/{m.service}/migrations:{MOUNT}:ro"],
        "depends_on": {m.store: {"condition": "service_healthy"}},
        "restart": "no",
        "labels": {"dev.workbench.element": m.service, "dev.workbench.role": "migrations"},
    }


class ComposeTarget:
    name = "compose"

    def files(self, plan: Plan, problems: list[str]) -> dict[str, bytes]:
        model = plan.model
        depends = _acyclic_depends(plan)
        services: dict[str, Any] = {}
        host_port = 8080
        all_used: list[Secret] = []
        for svc in plan.services:
            entry: dict[str, Any] = {
                "build": {"context": f"./services/{svc.id}"},
                "image": f"{model.name}-{svc.id}:dev",
            }
            used: list[Secret] = []
            if svc.kind != "gateway":
                entry["environment"] = {}
                for k, v in plan.env(svc).items():
                    entry["environment"].update(file_env(k, v, used))
            _, readiness = health_paths(svc)
            probe = readiness
            if svc.kind == "gateway":
                # healthy only while every upstream answers through the gateway itself
                test = ["CMD-SHELL", upstream_check_command(plan, svc)]
                entry["ports"] = [f"{host_port}:{svc.port}"]
                host_port += 1
            else:
                code = (
                    f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{svc.port}"
                    f"{probe}', timeout=2)"
                )
                test = (
                    ["CMD", "python", "-c", code]
                    if svc.runtime in ("python", "other")
                    else ["CMD", "curl", "-fsS", f"http://127.0.0.1:{svc.port}{probe}"]
                    if svc.runtime != "node"
                    else [
                        "CMD",
                        "node",
                        "-e",
                        f"require('http').get('http://127.0.0.1:{svc.port}{probe}', "
                        "r => process.exit(r.statusCode === 200 ? 0 : 1)).on('error', () => process.exit(1))",
                    ]
                )
            entry["healthcheck"] = {"test": test, **HEALTH_TIMING}
            needs = plan.datastores_of(svc) + plan.brokers_of(svc) + depends[svc.id]
            needs = [n for n in dict.fromkeys(needs) if n in plan.backings or n in depends]
            if needs:
                entry["depends_on"] = {n: {"condition": "service_healthy"} for n in needs}
            migrations = migrations_of(plan, svc)
            if migrations is not None:
                migrate_used: list[Secret] = []
                services[migrations.step] = _migrate_service(plan, migrations, migrate_used)
                services[migrations.step]["secrets"] = [secret_name(s) for s in migrate_used]
                all_used.extend(migrate_used)
                entry.setdefault("depends_on", {})[migrations.step] = {
                    "condition": "service_completed_successfully"
                }
            resources = {
                k: v
                for k, v in (("cpus", cpus(svc.deploy.cpu)), ("memory", memory(svc.deploy.memory)))
                if v
            }
            deploy: dict[str, Any] = {}
            if svc.kind != "gateway" and svc.replicas.min > 1:
                deploy["replicas"] = svc.replicas.min
            if resources:
                deploy["resources"] = {"limits": resources}
            if deploy:
                entry["deploy"] = deploy
            if used:
                entry["secrets"] = list(dict.fromkeys(secret_name(s) for s in used))
                all_used.extend(used)
            entry["restart"] = "unless-stopped"
            entry["read_only"] = True
            entry["tmpfs"] = ["/tmp"]  # noqa: S108 - a tmpfs inside the container
            entry["security_opt"] = ["no-new-privileges:true"]
            entry["labels"] = {
                "dev.workbench.element": svc.id,
                "dev.workbench.role": svc.kind,
                "dev.workbench.title": svc.label.replace("$", "$$"),
            }
            services[svc.id] = entry
        for backing in plan.backings.values():
            if plan.users_of(backing.id):
                used = []
                services[backing.id] = _backing_service(backing, used)
                if used:
                    services[backing.id]["secrets"] = list(
                        dict.fromkeys(secret_name(s) for s in used)
                    )
                    all_used.extend(used)
        volumes: dict[str, Any] = {
            f"{b.id}-data": {} for b in plan.backings.values() if b.id in services
        }
        extra: dict[str, bytes] = {}
        if plan.observed():  # profile `observability`: only with `--profile observability`
            from exporters.observability import compose as obs

            services.update(obs.services(plan))
            volumes.update({v: {} for v in obs.VOLUMES})
            all_used.append(GRAFANA_ADMIN_PASSWORD)
            extra = obs.files(plan)
        doc: dict[str, Any] = {"name": model.name, "services": services}
        if volumes:
            doc["volumes"] = volumes
        if all_used:
            doc["secrets"] = {
                secret_name(s): {"file": f"./secrets/{secret_name(s)}.txt"}
                for s in dict.fromkeys(all_used)
            }
        header = (
            f"Generated by the Architecture Workbench from model '{model.name}'.\n"
            "Run: scripts/init-env.sh && docker compose up --build   (see README.md)"
        )
        out = {"compose.yaml": yamlout.dump(doc, header=header)}
        for backing in plan.backings.values():
            if backing.id in services:
                for name, script in backing.init_scripts.items():
                    out[f"{backing.role}s/{backing.id}/initdb/{name}"] = script
        out.update(extra)
        return out
