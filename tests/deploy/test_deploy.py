"""deploy/ is correct by construction: the compose file against the Compose Specification
schema, the Kubernetes manifests (rendered by kustomize) against the Kubernetes API schemas, the
nginx config by nginx itself, and each file holds the parts docs/deploy.md promises."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_SCHEMA = json.loads(
    (ROOT / "tests" / "fixtures" / "compose-spec" / "compose-spec.json").read_text()
)
K8S_VERSION = "1.37.0"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_follows_the_compose_specification(compose: dict) -> None:
    errors = sorted(jsonschema.Draft7Validator(COMPOSE_SCHEMA).iter_errors(compose), key=str)
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]


def test_compose_runs_two_daphne_webs_behind_nginx_a_worker_beat_postgres_and_redis(
    compose: dict,
) -> None:
    services = compose["services"]
    assert {"nginx", "web1", "web2", "worker", "beat", "postgres", "redis", "migrate"} <= set(
        services
    )
    for web in ("web1", "web2"):
        assert services[web].get("command") is None  # the image's CMD: daphne
        assert services[web]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["worker"]["command"][:4] == ["celery", "-A", "workbench", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "workbench", "beat"]
    for name, service in services.items():
        if name != "migrate":
            assert "test" in service["healthcheck"], name
    assert set(compose["volumes"]) == {"pgdata", "redisdata", "exports"}
    # web and worker share the bundles; the database and the queue keep their data
    assert "exports:/app/var/exports" in services["web1"]["volumes"]
    assert "exports:/app/var/exports" in services["worker"]["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    health = " ".join(services["web1"]["healthcheck"]["test"])
    assert "/api/v1/health" in health


def test_nginx_proxies_websockets_to_both_webs() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "server web1:8000" in conf and "server web2:8000" in conf
    ws = conf[conf.index("location /ws/") :]
    assert "proxy_set_header Upgrade $http_upgrade" in ws
    assert "proxy_set_header Connection $connection_upgrade" in ws


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_config(tmp_path: Path) -> None:
    conf = (DEPLOY / "nginx.conf").read_text().replace("web1:8000", "127.0.0.1:18001")
    conf = conf.replace("web2:8000", "127.0.0.1:18002").replace("listen 8080", "listen 18080")
    (tmp_path / "site.conf").write_text(conf)
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path};\n"
        f" proxy_temp_path {tmp_path};\n include {tmp_path}/site.conf;\n}}\n"
    )
    done = subprocess.run(
        ["nginx", "-t", "-q", "-c", str(main), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr


def test_the_image_is_multi_stage_non_root_with_graphviz_static_files_and_a_healthcheck() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM \S+ AS (\w+)", text, re.M)
    assert stages == ["build", "runtime"]
    runtime = text[text.index("AS runtime") :]
    assert "graphviz" in runtime
    assert re.search(r"^USER 10001", runtime, re.M)
    assert "collectstatic --noinput" in text[: text.index("AS runtime")]
    assert "COPY --from=build" in runtime
    assert re.search(r"^HEALTHCHECK .*\n?.*/api/v1/health", runtime, re.M)
    assert "uv sync --frozen" in text  # exactly the lock
    pinned = re.search(r'"uv==([\d.]+)"', text)
    lock = (ROOT / "uv.lock").read_text()
    assert pinned and f'name = "uv"\nversion = "{pinned.group(1)}"' in lock


@pytest.fixture(scope="module")
def manifests() -> list[dict]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (for kustomize) is not installed")
    done = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY / "kubernetes")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def test_every_kubernetes_manifest_is_valid(manifests: list[dict]) -> None:
    problems = []
    for obj in manifests:
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert problems == []


def by_kind(manifests: list[dict], kind: str) -> dict[str, dict]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == kind}


def test_kubernetes_has_the_same_parts_with_probes_resources_and_hpas(
    manifests: list[dict],
) -> None:
    deployments = by_kind(manifests, "Deployment")
    assert set(deployments) == {"workbench-web", "workbench-worker", "workbench-beat"}
    assert set(by_kind(manifests, "StatefulSet")) == {"workbench-postgres", "workbench-redis"}
    assert "workbench-migrate" in by_kind(manifests, "Job")
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        for container in pod["containers"]:
            assert container["resources"]["requests"] and container["resources"]["limits"], name
            assert "livenessProbe" in container, name
    web = deployments["workbench-web"]["spec"]["template"]["spec"]["containers"][0]
    assert web["readinessProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert web["command"][0] == "daphne"
    hpas = by_kind(manifests, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {
        "workbench-web",
        "workbench-worker",
    }
    assert deployments["workbench-beat"]["spec"]["replicas"] == 1
