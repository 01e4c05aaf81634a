"""The bundle's observability stack: present exactly when the model asks for it, every config
valid for the tool that reads it (promtool, the Compose Specification, Kubernetes' schemas,
kustomize), dashboards that query the metrics the skeleton contract defines."""

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

from apps.archmodel import Model, model_from_data
from exporters import ExportError, export_bundle
from exporters.common.images import OBSERVABILITY_IMAGES
from tests.exporters import runner

K8S_VERSION = "1.37.0"
STACK = ("otel-collector", "prometheus", "grafana", "jaeger", "loki", "alloy")
CONTRACT = Path(__file__).parents[2] / "docs" / "skeletons.md"
COMPOSE_SCHEMA = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "compose-spec" / "compose-spec.json").read_text()
)
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool is not installed (apt-get install prometheus)",
)
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl")


def small_model(defaults: dict | None, **service: object) -> Model:
    """Two services calling each other, one publishing an event the other consumes."""
    doc: dict = {
        "apiVersion": "workbench/v1",
        "name": "tiny",
        "services": [
            {
                "id": "front",
                "calls": [{"to": "back", "circuit_breaker": {"failure_threshold": 2}}],
                "publishes": ["done"],
                **service,
            },
            {"id": "back", "port": 9000, "subscribes": ["done"]},
        ],
        "brokers": [{"id": "bus", "kind": "nats"}],
        "events": [{"id": "done", "broker": "bus"}],
    }
    if defaults is not None:
        doc["defaults"] = {"service": {"observability": defaults}}
    return model_from_data(doc)


def compose(model: Model) -> dict:
    return yaml.safe_load(export_bundle(model, target="compose").files["compose.yaml"])


def contract_metrics() -> set[str]:
    """Metric names docs/skeletons.md defines (`name{labels}` in its /metrics section)."""
    text = CONTRACT.read_text()
    section = text[text.index("`/metrics`") : text.index("## Calls")]
    return set(re.findall(r"`([a-z_]+)\{", section))


def query_metrics(expr: str) -> set[str]:
    names = set(re.findall(r"\b([a-z_:][a-z0-9_:]*)\{", expr))
    return {n.removesuffix("_bucket") for n in names}


# --- present exactly when asked for ---------------------------------------------------------


def test_a_model_that_asks_for_nothing_gets_no_stack(everything: Model) -> None:
    files = export_bundle(everything).files
    assert not [p for p in files if p.startswith(("observability/", "kubernetes/components/"))]
    assert "kubernetes/overlays/observability/kustomization.yaml" not in files
    assert "GRAFANA" not in files[".env.example"].decode()
    services = yaml.safe_load(files["compose.yaml"])["services"]
    assert not set(STACK) & set(services)
    assert not any("OTEL_" in k for s in services.values() for k in s.get("environment", {}))


@pytest.mark.parametrize(
    "observability",
    [{"metrics": True}, {"tracing": True}, {"logging": "central"}],
)
def test_any_one_of_metrics_tracing_or_central_logs_brings_the_stack(observability: dict) -> None:
    files = export_bundle(small_model(observability)).files
    services = yaml.safe_load(files["compose.yaml"])["services"]
    assert set(STACK) <= set(services)
    assert "kubernetes/overlays/observability/kustomization.yaml" in files
    dashboards = [p for p in files if p.startswith("observability/grafana/dashboards/")]
    grafana_mounts = " ".join(services["grafana"]["volumes"])
    if observability.get("metrics"):
        assert sorted(dashboards) == [
            "observability/grafana/dashboards/back.json",
            "observability/grafana/dashboards/front.json",
        ]
        assert "kubernetes/components/servicemonitor/servicemonitor.yaml" in files
    else:  # nothing to scrape: no dashboards, no mount of a directory that is not there
        assert not dashboards and "grafana/dashboards" not in grafana_mounts
        assert "kubernetes/components/servicemonitor/kustomization.yaml" not in files
    traced = "OTEL_EXPORTER_OTLP_ENDPOINT" in services["front"]["environment"]
    assert traced == bool(observability.get("tracing"))
    # valid for Compose and Kubernetes in every variant, not only the full one
    errors = list(
        jsonschema.Draft7Validator(COMPOSE_SCHEMA).iter_errors(
            yaml.safe_load(files["compose.yaml"])
        )
    )
    assert not errors, [e.message for e in errors]
    for path, content in files.items():
        if path.startswith("kubernetes/components/") and "kustomization" not in path:
            obj = yaml.safe_load(content)
            if obj["kind"] != "ServiceMonitor":
                kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def test_only_the_services_that_ask_are_scraped_and_traced(shop: Model) -> None:
    model = small_model(None, observability={"metrics": True, "tracing": True})
    files = export_bundle(model).files
    env = yaml.safe_load(files["compose.yaml"])["services"]
    assert env["front"]["environment"]["OTEL_SERVICE_NAME"] == "front"
    assert env["front"]["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == (
        "http://otel-collector:4318"
    )
    assert "OTEL_SERVICE_NAME" not in env["back"]["environment"]
    prom = yaml.safe_load(files["observability/prometheus/prometheus.yml"])
    (job,) = [j for j in prom["scrape_configs"] if j["job_name"] == "services"]
    assert job["dns_sd_configs"] == [
        {"names": ["front"], "type": "A", "port": 8080, "refresh_interval": "15s"}
    ]
    deployments = {
        s: yaml.safe_load(files[f"kubernetes/base/services/{s}/deployment.yaml"])
        for s in ("front", "back")
    }
    annotations = deployments["front"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations == {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "8080",
        "prometheus.io/path": "/metrics",
    }
    assert "annotations" not in deployments["back"]["spec"]["template"]["metadata"]


def test_a_model_element_named_like_the_stack_is_refused_with_a_message() -> None:
    doc = {
        "apiVersion": "workbench/v1",
        "name": "clash",
        "defaults": {"service": {"observability": {"metrics": True}}},
        "services": [{"id": "grafana"}],
    }
    with pytest.raises(ExportError) as caught:
        export_bundle(model_from_data(doc))
    assert "'grafana' is the name of the bundle's observability stack" in str(caught.value)
    assert "/services/0" in str(caught.value)
    del doc["defaults"]  # without the stack the name is free
    export_bundle(model_from_data(doc))
    # an event may be called so: events never become containers
    events = {
        "apiVersion": "workbench/v1",
        "name": "fine",
        "defaults": {"service": {"observability": {"metrics": True}}},
        "services": [{"id": "api", "publishes": ["prometheus"]}],
        "brokers": [{"id": "bus", "kind": "nats"}],
        "events": [{"id": "prometheus", "broker": "bus"}],
    }
    export_bundle(model_from_data(events))


# --- compose --------------------------------------------------------------------------------


def test_the_profile_is_pinned_mounted_read_only_and_published_on_loopback(shop: Model) -> None:
    files = export_bundle(shop, target="compose").files
    doc = yaml.safe_load(files["compose.yaml"])
    for name in STACK:
        svc = doc["services"][name]
        assert svc["profiles"] == ["observability"], name
        assert svc["image"] == OBSERVABILITY_IMAGES[name]
        assert re.search(r":v?\d+\.\d+\.\d+$", svc["image"]), svc["image"]  # patch-level tag
        for port in svc.get("ports", []):
            assert port.startswith("127.0.0.1:"), (name, port)
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):  # a config from the bundle: there, and read-only
                path = source[2:]
                assert path in files or any(p.startswith(path + "/") for p in files), volume
                assert volume.endswith(":ro"), volume
            elif source.startswith("/"):
                assert volume == "/var/run/docker.sock:/var/run/docker.sock:ro"
            else:
                assert source in doc["volumes"], volume
        for dep in svc.get("depends_on", {}):
            assert "profiles" in doc["services"][dep], (name, dep)  # within the profile
    published = {p.split(":")[1] for s in STACK for p in doc["services"][s].get("ports", [])}
    assert published == {"3000", "9090", "16686"}
    # the services themselves never wait for the profile (it is optional)
    for name, svc in doc["services"].items():
        if "profiles" not in svc:
            assert not set(svc.get("depends_on", {})) & set(STACK), name


def test_healthchecks_only_where_the_image_has_a_tool_to_run_them(shop: Model) -> None:
    services = compose(shop)["services"]
    checked = {name for name in STACK if "healthcheck" in services[name]}
    assert checked == {"prometheus", "grafana"}
    assert services["prometheus"]["healthcheck"]["test"][-1].endswith(":9090/-/ready")
    assert services["grafana"]["healthcheck"]["test"][-1].endswith(":3000/api/health")
    assert services["grafana"]["depends_on"]["prometheus"] == {"condition": "service_healthy"}


def test_grafanas_admin_password_is_a_generated_secret_file(shop: Model, tmp_path) -> None:
    files = export_bundle(shop).files
    doc = yaml.safe_load(files["compose.yaml"])
    grafana = doc["services"]["grafana"]
    assert grafana["secrets"] == ["grafana-admin-password"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD__FILE"] == (
        "/run/secrets/grafana-admin-password"
    )
    assert "GF_SECURITY_ADMIN_PASSWORD" not in grafana["environment"]
    assert doc["secrets"]["grafana-admin-password"] == {
        "file": "./secrets/grafana-admin-password.txt"
    }
    assert "GRAFANA_ADMIN_PASSWORD=REPLACE_ME" in files[".env.example"].decode().splitlines()
    root = runner.extract(export_bundle(shop).to_zip(), tmp_path)
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    password = (root / "secrets" / "grafana-admin-password.txt").read_text()
    assert re.fullmatch(r"[0-9a-f]{48}", password)
    k8s_env = (root / "kubernetes/base/secrets/grafana-admin.env").read_text()
    assert re.search(r"^admin-password=[0-9a-f]{48}$", k8s_env, re.M)


# --- the configs ----------------------------------------------------------------------------


@needs_promtool
@pytest.mark.parametrize("flavour", ["compose", "kubernetes"])
def test_promtool_accepts_the_scrape_configs(shop: Model, tmp_path, flavour: str) -> None:
    files = export_bundle(shop).files
    if flavour == "compose":
        config = files["observability/prometheus/prometheus.yml"]
        checked = config
    else:
        cm = yaml.safe_load(files["kubernetes/components/observability/prometheus-configmap.yaml"])
        config = cm["data"]["prometheus.yml"].encode()
        # Debian builds Prometheus without Kubernetes discovery, so its promtool cannot parse
        # kubernetes_sd_configs: check everything else (relabelling included) around a
        # static target standing in for it; the discovery block is checked below.
        doc = yaml.safe_load(config)
        for job in doc["scrape_configs"]:
            if job.pop("kubernetes_sd_configs", None):
                job["static_configs"] = [{"targets": ["10.0.0.1:8080"]}]
        checked = yaml.safe_dump(doc).encode()
    path = tmp_path / "prometheus.yml"
    path.write_bytes(checked)
    result = subprocess.run(
        ["promtool", "check", "config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = {j["job_name"]: j for j in yaml.safe_load(config)["scrape_configs"]}
    assert jobs["otel-collector"]["static_configs"] == [{"targets": ["otel-collector:8888"]}]
    if flavour == "compose":
        listed = {(n, d["port"]) for d in jobs["services"]["dns_sd_configs"] for n in d["names"]}
        expected = {(s.id, s.port) for s in shop.services if s.kind in ("service", "worker")}
        assert listed == expected
        assert jobs["services"]["metrics_path"] == "/metrics"
    else:
        (sd,) = jobs["services"]["kubernetes_sd_configs"]
        assert sd == {"role": "pod", "namespaces": {"own_namespace": True}}


@needs_promtool
def test_promtool_rejects_a_broken_scrape_config(tmp_path) -> None:
    path = tmp_path / "prometheus.yml"
    path.write_text(
        "scrape_configs:\n  - job_name: x\n    dns_sd_configs: [{names: [a], type: Q}]\n"
    )
    result = subprocess.run(["promtool", "check", "config", str(path)], capture_output=True)
    assert result.returncode != 0


def test_the_collector_pipelines_are_consistent(shop: Model) -> None:
    files = export_bundle(shop).files
    config = yaml.safe_load(files["observability/otel-collector.yaml"])
    cm = yaml.safe_load(files["kubernetes/components/observability/otel-collector-configmap.yaml"])
    assert yaml.safe_load(cm["data"]["config.yaml"]) == config  # one config for both targets
    pipelines = config["service"]["pipelines"]
    assert set(pipelines) == {"traces", "logs"}
    used: dict[str, set[str]] = {"receivers": set(), "processors": set(), "exporters": set()}
    for pipeline in pipelines.values():
        for kind, names in used.items():
            names.update(pipeline.get(kind, []))
            for name in pipeline.get(kind, []):
                assert name in config[kind], (kind, name)
    for kind, names in used.items():
        assert names == set(config[kind]), kind  # nothing defined and left unused
    assert set(config["service"]["extensions"]) == set(config["extensions"])
    assert pipelines["traces"]["exporters"] == ["otlp/jaeger"]
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"
    assert config["exporters"]["otlphttp/loki"]["endpoint"] == "http://loki:3100/otlp"
    # the endpoint services are given is the receiver's HTTP port
    assert config["receivers"]["otlp"]["protocols"]["http"]["endpoint"] == "0.0.0.0:4318"
    # OTLP processors: memory_limiter first, as the collector's docs ask
    assert all(p["processors"][0] == "memory_limiter" for p in pipelines.values())


def test_grafana_provisions_prometheus_jaeger_and_loki(shop: Model) -> None:
    files = export_bundle(shop).files
    path = "observability/grafana/provisioning/datasources/datasources.yaml"
    sources = {d["uid"]: d for d in yaml.safe_load(files[path])["datasources"]}
    assert {uid: d["url"] for uid, d in sources.items()} == {
        "prometheus": "http://prometheus:9090",
        "jaeger": "http://jaeger:16686",
        "loki": "http://loki:3100",
    }
    assert sources["prometheus"]["isDefault"] is True
    (derived,) = sources["loki"]["jsonData"]["derivedFields"]
    assert derived["datasourceUid"] == "jaeger"
    assert derived["url"] == "$${__value.raw}"  # $$: Grafana's escape of its own expansion
    line = '{"time": "t", "level": "info", "trace_id": "' + "a" * 32 + '"}'
    match = re.search(derived["matcherRegex"].replace("\\s", r"\s"), line)
    assert match and match.group(1) == "a" * 32


def test_each_dashboard_shows_red_and_the_breaker_from_contract_metrics(shop: Model) -> None:
    files = export_bundle(shop).files
    defined = contract_metrics()
    assert {"http_server_requests_total", "circuit_breaker_state"} <= defined
    sources = yaml.safe_load(
        files["observability/grafana/provisioning/datasources/datasources.yaml"]
    )
    uids = {d["uid"] for d in sources["datasources"]}
    seen_uids = set()
    with_metrics = [s.id for s in shop.services if s.kind in ("service", "worker")]
    for sid in with_metrics:
        board = json.loads(files[f"observability/grafana/dashboards/{sid}.json"])
        assert len(board["uid"]) <= 40 and board["uid"] not in seen_uids
        seen_uids.add(board["uid"])
        exprs = {p["title"]: [t["expr"] for t in p["targets"]] for p in board["panels"]}
        for panel in board["panels"]:
            assert panel["datasource"]["uid"] in uids
            for target in panel["targets"]:
                assert f'service="{sid}"' in target["expr"], target
                if panel["datasource"]["uid"] == "prometheus":
                    assert query_metrics(target["expr"]) <= defined, target["expr"]
        prom = " ".join(e for es in exprs.values() for e in es)
        assert "rate(http_server_requests_total{" in prom
        assert 'status=~"5.."' in prom
        for q in ("0.5", "0.95", "0.99"):
            assert f"histogram_quantile({q}," in prom
        assert "circuit_breaker_state{" in prom and "short_circuited|fallback" in prom
    orders = json.loads(files["observability/grafana/dashboards/orders.json"])
    titles = [p["title"] for p in orders["panels"]]
    assert "Events by outcome" in titles  # orders publishes events
    assert titles[-1] == "Logs"


@needs_promtool
def test_every_dashboard_query_is_valid_promql(shop: Model, tmp_path) -> None:
    files = export_bundle(shop).files
    rules = []
    for path, content in files.items():
        if path.startswith("observability/grafana/dashboards/"):
            for panel in json.loads(content)["panels"]:
                if panel["datasource"]["uid"] != "prometheus":
                    continue
                for target in panel["targets"]:
                    expr = target["expr"].replace("$__rate_interval", "5m")
                    rules.append({"record": f"check:{len(rules)}", "expr": expr})
    assert len(rules) > 20
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run(
        ["promtool", "check", "rules", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_log_shipper_config_carries_no_model_text(shop: Model) -> None:
    files = export_bundle(shop).files
    alloy = files["observability/alloy/config.alloy"].decode()
    assert "shop" not in alloy and "orders" not in alloy  # constant: discovery is dynamic
    assert 'url = "http://loki:3100/loki/api/v1/push"' in alloy
    assert "com_docker_compose_service" in alloy  # labelled with the compose service name
    cm = yaml.safe_load(files["kubernetes/components/observability/alloy-configmap.yaml"])
    assert "loki.source.kubernetes" in cm["data"]["config.alloy"]
    daemonset = yaml.safe_load(files["kubernetes/components/observability/alloy-daemonset.yaml"])
    pod = daemonset["spec"]["template"]["spec"]
    # API tailing is experimental in Alloy 1.x: without the flag Alloy refuses the config
    assert "--stability.level=experimental" in pod["containers"][0]["args"]
    assert not any("hostPath" in v for v in pod["volumes"])  # baseline Pod Security


# --- kubernetes -----------------------------------------------------------------------------


def k8s_files(model: Model) -> dict[str, bytes]:
    return export_bundle(model, target="kubernetes").files


def test_component_objects_are_strictly_valid_and_all_listed(shop: Model) -> None:
    files = k8s_files(shop)
    for component in ("observability", "servicemonitor"):
        directory = f"kubernetes/components/{component}"
        kustomization = yaml.safe_load(files[f"{directory}/kustomization.yaml"])
        assert kustomization["kind"] == "Component"
        present = sorted(
            p.rpartition("/")[2]
            for p in files
            if p.startswith(directory + "/") and not p.endswith("kustomization.yaml")
        )
        assert sorted(kustomization["resources"]) == present
        for name in present:
            obj = yaml.safe_load(files[f"{directory}/{name}"])
            if obj["kind"] == "ServiceMonitor":  # a CRD: no schema in Kubernetes' own
                assert obj["apiVersion"] == "monitoring.coreos.com/v1"
                assert obj["spec"]["endpoints"] == [
                    {"port": "http", "path": "/metrics", "interval": "15s"}
                ]
                continue
            try:
                kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{name}: {exc.message}")


def test_stack_workloads_run_non_root_with_read_only_root(shop: Model) -> None:
    files = k8s_files(shop)
    for path, content in files.items():
        if path.startswith("kubernetes/components/observability/") and path.endswith(
            ("-deployment.yaml", "-daemonset.yaml")
        ):
            pod = yaml.safe_load(content)["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True, path
            (container,) = pod["containers"]
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, path
            assert container["image"] in OBSERVABILITY_IMAGES.values()
            assert "readinessProbe" in container, path


def test_network_policies_open_exactly_the_stacks_paths(shop: Model) -> None:
    files = k8s_files(shop)
    d = "kubernetes/components/observability"

    def policy(name: str) -> dict:
        return yaml.safe_load(files[f"{d}/networkpolicy-{name}.yaml"])["spec"]

    def names(peer: dict) -> set[str]:
        expr = peer["podSelector"]["matchExpressions"][0]
        return set(expr["values"])

    services = {s.id for s in shop.services if s.kind in ("service", "worker")}
    otlp = policy("services-otlp")
    assert names(otlp) == services
    assert names(otlp["egress"][0]["to"][0]) == {"otel-collector"}
    collector = policy("otel-collector")
    assert names(collector["ingress"][0]["from"][0]) == services
    assert {names(rule["to"][0]).pop() for rule in collector["egress"]} == {"jaeger", "loki"}
    scrape = policy("services-scrape")
    assert names(scrape["ingress"][0]["from"][0]) == {"prometheus"}
    prometheus = policy("prometheus")
    assert names(prometheus["egress"][0]["to"][0]) == services
    assert names(policy("grafana")["egress"][0]["to"][0]) == {"prometheus"}
    assert policy("grafana")["ingress"] == []  # kubectl port-forward only


@needs_kubectl
def test_the_observability_overlay_builds_into_valid_objects(
    shop: Model, tmp_path, monkeypatch
) -> None:
    import exporters.observability.kubernetes as obs

    monkeypatch.setattr(obs, "DASHBOARD_CHUNK_BYTES", 15_000)  # several dashboard ConfigMaps
    root = runner.extract(export_bundle(shop, target="kubernetes").to_zip(), tmp_path)
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    result = subprocess.run(
        ["kubectl", "kustomize", "kubernetes/overlays/observability"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    by_key = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    secrets = {name for kind, name in by_key if kind == "Secret"}
    for obj in objects:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "shop-dev", obj["metadata"]
    for name in ("otel-collector", "prometheus", "grafana", "jaeger", "loki"):
        assert ("Deployment", name) in by_key and ("Service", name) in by_key
    assert ("DaemonSet", "alloy") in by_key
    binding = by_key[("RoleBinding", "prometheus")]
    assert binding["subjects"][0]["namespace"] == "shop-dev"
    grafana = by_key[("Deployment", "grafana")]["spec"]["template"]["spec"]
    (password,) = [e for e in grafana["containers"][0]["env"] if "valueFrom" in e]
    assert password["valueFrom"]["secretKeyRef"]["name"] in secrets
    chunks = sorted(n for k, n in by_key if k == "ConfigMap" and n.startswith("grafana-dashboards"))
    assert len(chunks) >= 2
    projected = next(v for v in grafana["volumes"] if v["name"] == "dashboards")
    assert [s["configMap"]["name"] for s in projected["projected"]["sources"]] == chunks
    boards = {k for c in chunks for k in by_key[("ConfigMap", c)]["data"]}
    assert boards == {f"{s}.json" for s in ("catalog", "orders", "payments", "shipping")}
    # the services from the dev overlay are there with their scrape annotations
    orders = by_key[("Deployment", "orders")]["spec"]["template"]["metadata"]
    assert orders["annotations"]["prometheus.io/scrape"] == "true"


def test_the_readme_says_how_to_start_the_profile_and_open_each_ui(
    shop: Model, everything: Model
) -> None:
    readme = export_bundle(shop).files["README.md"].decode()
    section = readme[readme.index("## Observability") : readme.index("## Run on Kubernetes")]
    assert "docker compose --profile observability up" in section
    for ui in (
        "http://127.0.0.1:3000/",
        "secrets/grafana-admin-password.txt",
        "http://127.0.0.1:9090/targets",
        "http://127.0.0.1:16686/search",
        "*Explore* → *Loki*",
        "kubectl apply -k kubernetes/overlays/observability",
        "port-forward svc/grafana",
        "kubernetes/base/secrets/grafana-admin.env",
        "components/servicemonitor",
    ):
        assert ui in section, ui
    assert "## Observability" not in export_bundle(everything).files["README.md"].decode()
    compose_only = export_bundle(shop, target="compose").files["README.md"].decode()
    assert "port-forward" not in compose_only and "--profile observability" in compose_only


def test_dashboard_configmaps_stay_small_enough_for_kubectl_apply() -> None:
    """kubectl's client-side apply keeps the object, JSON-encoded, in a 256 KiB annotation."""
    from apps.archmodel.limits import Limits
    from bench.modelgen import generate

    model = model_from_data(generate(150), limits=Limits.unlimited())
    files = export_bundle(model, target="kubernetes").files
    chunks = [p for p in files if "/grafana-dashboards-" in p]
    assert len(chunks) >= 2
    boards = 0
    for path in chunks:
        obj = yaml.safe_load(files[path])
        assert len(json.dumps(obj)) < 256 * 1024 - 10_000, path
        boards += len(obj["data"])
    from exporters.common.infra import plan

    assert boards == len(plan(model).metrics_services())  # (the gateway's nginx has none)


@needs_kubectl
def test_the_components_can_be_added_to_the_prod_overlay_as_the_readme_says(
    shop: Model, tmp_path
) -> None:
    root = runner.extract(export_bundle(shop, target="kubernetes").to_zip(), tmp_path)
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    mine = root / "kubernetes" / "overlays" / "prod-watched"
    mine.mkdir()
    (mine / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": ["../prod"],
                "components": [
                    "../../components/observability",
                    "../../components/servicemonitor",
                ],
            }
        )
    )
    result = subprocess.run(
        ["kubectl", "kustomize", "kubernetes/overlays/prod-watched"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    objects = list(yaml.safe_load_all(result.stdout))
    kinds = {(o["kind"], o["metadata"]["name"]) for o in objects}
    assert ("ServiceMonitor", "services") in kinds and ("Deployment", "grafana") in kinds
    for obj in objects:
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "shop", obj["metadata"]
        if obj["kind"] != "ServiceMonitor":
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
