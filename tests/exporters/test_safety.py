"""Hostile titles and paths cannot break YAML, Dockerfiles, nginx, shell or Markdown."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from apps.archmodel import load_model, model_from_data
from exporters import ExportError, export_bundle
from exporters.common.infra import plan as make_plan
from exporters.skeleton.gateway import nginx_conf
from tests.exporters import runner
from tests.exporters.runner import NGINX

HOSTILE = (
    "Evil \"quote' $(rm -rf /) `id` ${HOME} {{ .Values }} <script>alert(1)</script>\nnewline; } # x"
)


def hostile_model(route_path: str = "/api/x", op_path: str = "/items/{id}") -> dict:
    return {
        "apiVersion": "workbench/v1",
        "name": "evil",
        "title": HOSTILE,
        "description": HOSTILE,
        "services": [
            {
                "id": "gw",
                "kind": "gateway",
                "title": HOSTILE,
                "routes": [{"path": route_path, "to": "api"}],
            },
            {
                "id": "api",
                "title": HOSTILE,
                "apis": [
                    {
                        "id": "api-api",
                        "title": HOSTILE,
                        "operations": [{"method": "GET", "path": op_path}],
                    }
                ],
                "data": ["db"],
            },
            {
                "id": "js",
                "runtime": "node",
                "title": HOSTILE,
                "apis": [{"id": "js-api", "operations": [{"method": "GET", "path": op_path}]}],
            },
        ],
        "datastores": [{"id": "db", "kind": "postgres", "title": HOSTILE}],
    }


def test_hostile_titles_survive_as_data_and_never_as_code() -> None:
    files = export_bundle(model_from_data(hostile_model())).files
    compose = yaml.safe_load(files["compose.yaml"])
    # YAML: the title round-trips exactly ($ doubled so Compose does not interpolate it)
    assert compose["services"]["api"]["labels"]["dev.workbench.title"] == HOSTILE.replace("$", "$$")
    deployment = yaml.safe_load(files["kubernetes/base/services/api/deployment.yaml"])
    assert deployment["metadata"]["annotations"]["workbench.dev/title"] == HOSTILE
    # text formats never carry free text
    for path, content in files.items():
        if path.endswith(("Dockerfile", "nginx.conf", ".sh", "routes.txt", ".env.example")):
            text = content.decode()
            for needle in ("$(rm", "<script>", "{{ .Values", "`id`"):
                assert needle not in text, path
    # Markdown: escaped, one line
    readme = files["README.md"].decode()
    assert "<script>" not in readme and "&lt;script&gt;" in readme
    # JSON spec for the skeleton: valid JSON
    json.loads(files["services/api/app/spec.json"])


def test_hostile_titles_reach_the_observability_stack_only_as_data() -> None:
    doc = hostile_model()
    doc["defaults"] = {
        "service": {"observability": {"metrics": True, "tracing": True, "logging": "central"}}
    }
    files = export_bundle(model_from_data(doc)).files
    # the dashboard carries the title as JSON data, exactly
    board = json.loads(files["observability/grafana/dashboards/api.json"])
    assert board["description"] == HOSTILE
    # and again inside the Kubernetes ConfigMap that holds it
    (chunk,) = [p for p in files if "grafana-dashboards-" in p]
    data = yaml.safe_load(files[chunk])["data"]
    assert json.loads(data["api.json"])["description"] == HOSTILE
    stack = [p for p in files if p.startswith(("observability/", "kubernetes/components/"))]
    assert len(stack) > 10
    for path in stack:
        content = files[path].decode()
        if path.endswith(".json"):
            json.loads(content)
        elif path.endswith((".yaml", ".yml")):
            yaml.safe_load(content)
        else:  # config.alloy: a constant, no model text at all
            assert path.endswith(".alloy")
            for needle in ("$(rm", "<script>", "{{ .Values", "`id`", "evil"):
                assert needle not in content, path
        # nothing from the title outside JSON/YAML string values
        if not path.endswith(".json") and "grafana-dashboards-" not in path:
            assert "<script>" not in content, path


@pytest.mark.parametrize("runtime", ["java", "dotnet"])
def test_java_and_dotnet_skeletons_carry_the_model_only_as_data(runtime: str) -> None:
    """The code is the same for every service of a runtime; the model is only in spec.json."""
    doc = hostile_model()
    for sid in ("marker-one", "marker-two"):
        doc["services"].append(
            {
                "id": sid,
                "runtime": runtime,
                "title": HOSTILE,
                "apis": [
                    {
                        "id": f"{sid}-api",
                        "operations": [{"method": "GET", "path": "/markerpath/{id}"}],
                    }
                ],
                "calls": [{"to": "api", "timeout_ms": 300, "fallback": HOSTILE}],
                "data": ["db"],
            }
        )
    files = export_bundle(model_from_data(doc)).files
    shipped = Path(__file__).parents[2] / "exporters" / "skeleton" / "files" / runtime
    code = {
        p.relative_to(shipped).as_posix(): p.read_bytes() for p in shipped.rglob("*") if p.is_file()
    }
    data_files = {"spec.json", "routes.txt", "Dockerfile", ".dockerignore"}
    for sid in ("marker-one", "marker-two"):
        prefix = f"services/{sid}/"
        mine = {p[len(prefix) :]: c for p, c in files.items() if p.startswith(prefix)}
        assert {p: c for p, c in mine.items() if p not in data_files} == code
        spec = json.loads(mine["spec.json"])
        assert spec["calls"][0]["fallback"] == HOSTILE
        assert spec["operations"][0]["path"] == "/markerpath/{id}"
        for path, content in mine.items():
            if path == "spec.json":
                continue
            text = content.decode()
            for needle in ("markerpath", "$(rm", "<script>", "{{ .Values", "`id`", "Evil"):
                assert needle not in text or (path == "routes.txt" and needle == "markerpath"), path


@pytest.mark.parametrize(
    "path",
    [
        "/api/x; return 200",
        "/api/$host",
        "/api/{x}",
        "/api x",
        '/api/"x',
        "/api/x\n}",
        "/api/'x'",
        "relative",
    ],
)
def test_route_paths_that_nginx_could_misread_are_refused(path: str) -> None:
    with pytest.raises(ExportError) as exc:
        export_bundle(model_from_data(hostile_model(route_path=path)))
    assert "/services/0/routes/0/path" in str(exc.value)


@pytest.mark.parametrize(
    "path", ["/items;x", "/items x", "/items\n", '/it"ems', "/it$ems", "items"]
)
def test_operation_paths_that_could_break_a_routes_file_are_refused(path: str) -> None:
    with pytest.raises(ExportError) as exc:
        export_bundle(model_from_data(hostile_model(op_path=path)))
    assert "/operations/0" in str(exc.value)


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")
@pytest.mark.parametrize("dynamic_dns", [True, False])
def test_the_generated_nginx_config_passes_nginx_syntax_check(
    tmp_path, everything, dynamic_dns
) -> None:
    plan = make_plan(everything)
    gw = plan.service("edge")
    conf = nginx_conf(plan, gw, dynamic_dns=dynamic_dns)
    for host in ("py", "nodejs", "golang", "edge-auth"):
        # the static flavour's upstream hosts must resolve when nginx loads the file
        conf = conf.replace(f"server {host}:8080;", "server 127.0.0.1:9;")
    (tmp_path / "gw.conf").write_text(conf.replace("listen 8000;", "listen 127.0.0.1:1;"))
    temp = "".join(
        f"{kind}_temp_path {tmp_path}/{kind}; "
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/pid;\nerror_log {tmp_path}/err.log;\nevents {{}}\n"
        f"http {{ access_log off; {temp}include {tmp_path}/gw.conf; }}\n"
    )
    result = subprocess.run(
        [NGINX, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_init_env_replaces_placeholders_with_random_secrets(tmp_path, shop) -> None:
    files = export_bundle(shop).files
    (tmp_path / "scripts").mkdir()
    (tmp_path / ".env.example").write_bytes(files[".env.example"])
    (tmp_path / "scripts" / "init-env.sh").write_bytes(files["scripts/init-env.sh"])
    subprocess.run(
        ["sh", str(tmp_path / "scripts" / "init-env.sh")], check=True, capture_output=True
    )
    env = (tmp_path / ".env").read_text()
    assert "=REPLACE_ME" not in env and "BUS_PASSWORD=" in env
    secrets = {
        line.split("=", 1)[0]: line.split("=", 1)[1]
        for line in files[".env.example"].decode().splitlines()
        if line.endswith("=REPLACE_ME")
    }
    values = [
        line.split("=", 1)[1]
        for line in env.splitlines()
        if line.split("=", 1)[0] in secrets and not line.startswith("#")
    ]
    assert len(set(values)) == len(values) == len(secrets) and all(len(v) == 48 for v in values)
    subprocess.run(["sh", str(tmp_path / "scripts" / "init-env.sh")], capture_output=True)
    assert (tmp_path / ".env").read_text() == env  # never overwrites


def test_model_ids_cannot_be_hostile() -> None:
    # ids become file names, DNS names and object names; the model format itself refuses these
    with pytest.raises(Exception):
        load_model('apiVersion: workbench/v1\nname: x\nservices: [{id: "../etc"}]\n')


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_init_env_never_touches_an_address_and_lists_what_is_left_to_set(tmp_path, shop) -> None:
    files = export_bundle(shop).files
    example = files[".env.example"].decode()
    assert "SERVICE_PAYMENT_PROVIDER_URL=\n" in example and "JWT_JWKS_URL=\n" in example
    (tmp_path / "scripts").mkdir()
    (tmp_path / ".env.example").write_text(
        example.replace(
            "SERVICE_PAYMENT_PROVIDER_URL=\n", "SERVICE_PAYMENT_PROVIDER_URL=https://psp.example\n"
        )
    )
    (tmp_path / "scripts" / "init-env.sh").write_bytes(files["scripts/init-env.sh"])
    result = subprocess.run(
        ["sh", str(tmp_path / "scripts" / "init-env.sh")], check=True, capture_output=True
    )
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["SERVICE_PAYMENT_PROVIDER_URL"] == "https://psp.example"  # kept as supplied
    assert env["JWT_JWKS_URL"] == env["JWT_ISSUER"] == ""  # left for the operator...
    assert b"JWT_JWKS_URL" in result.stderr  # ...who is told to set it
    compose = files["compose.yaml"].decode()
    assert "${JWT_JWKS_URL:?" in compose  # and Compose refuses to start while it is empty


def test_the_bundle_keeps_generated_secrets_out_of_git(shop) -> None:
    ignored = export_bundle(shop).files[".gitignore"].decode().splitlines()
    assert ".env" in ignored


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_check_env_refuses_placeholders_until_every_secret_and_setting_is_set(
    tmp_path, shop
) -> None:
    root = runner.extract(export_bundle(shop).to_zip(), tmp_path)

    def check(target: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["sh", "scripts/check-env.sh", target], cwd=root, capture_output=True)

    assert check("kubernetes").returncode == 1  # nothing generated yet
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    for target in ("compose", "kubernetes"):
        result = check(target)
        # generated secrets are fine; the addresses nobody set are refused
        assert (
            result.returncode == 1 and b"SERVICE_PAYMENT_PROVIDER_URL is not set" in result.stderr
        )
        assert (
            b"PASSWORD is not set" not in result.stderr
            and b"password is not set" not in result.stderr
        )
    secrets = root / "kubernetes" / "base" / "secrets" / "orders-db-credentials.env"
    assert "password=REPLACE_ME" not in secrets.read_text()
    for path in (
        root / ".env",
        root / "kubernetes" / "base" / "secrets" / "external-endpoints.env",
    ):
        text = path.read_text()
        for name in ("SERVICE_PAYMENT_PROVIDER_URL", "JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
            text = text.replace(f"{name}=\n", f"{name}=https://set.example\n")
        path.write_text(text)
    assert check("compose").returncode == 0 and check("kubernetes").returncode == 0
    secrets.write_text("password=REPLACE_ME\n")
    assert check("kubernetes").returncode == 1


@pytest.mark.skipif(shutil.which("sh") is None, reason="no sh")
def test_init_env_writes_the_compose_secret_files_from_env(tmp_path, shop) -> None:
    files = export_bundle(shop).files
    (tmp_path / "scripts").mkdir()
    for name in (".env.example", "compose.yaml", "scripts/init-env.sh", "scripts/check-env.sh"):
        (tmp_path / name).write_bytes(files[name])
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=tmp_path, check=True, capture_output=True)
    env = dict(
        line.split("=", 1)
        for line in (tmp_path / ".env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    declared = yaml.safe_load(files["compose.yaml"])["secrets"]
    assert declared
    for name, spec in declared.items():
        path = tmp_path / spec["file"]
        assert path.read_text() == env[name.upper().replace("-", "_")]  # no newline
        assert path.stat().st_mode & 0o777 == 0o644  # readable by the containers' users
    assert (tmp_path / "secrets").stat().st_mode & 0o777 == 0o700
    assert "secrets/" in files[".gitignore"].decode().splitlines()
    check = subprocess.run(
        ["sh", "scripts/check-env.sh", "compose"], cwd=tmp_path, capture_output=True
    )
    assert b"orders-db-password" not in check.stderr  # only the operator's settings are missing
    (tmp_path / "secrets" / "orders-db-password.txt").unlink()
    check = subprocess.run(
        ["sh", "scripts/check-env.sh", "compose"], cwd=tmp_path, capture_output=True
    )
    assert check.returncode == 1 and b"orders-db-password" in check.stderr
