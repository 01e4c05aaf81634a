"""Kubernetes manifests: strictly valid, complete kustomizations, least-privilege networking."""

from __future__ import annotations

import shutil
import subprocess

import kubernetes_validate
import pytest
import yaml

from apps.archmodel import Model
from exporters import export_bundle
from tests.exporters import runner

K8S_VERSION = "1.37.0"


def manifests(model: Model) -> dict[str, dict]:
    files = export_bundle(model, target="kubernetes").files
    return {
        path: yaml.safe_load(content)
        for path, content in files.items()
        if path.startswith("kubernetes/") and path.endswith(".yaml")
    }


def base_objects(model: Model) -> dict[str, dict]:
    return {
        p: d
        for p, d in manifests(model).items()
        if p.startswith("kubernetes/base/") and not p.endswith("kustomization.yaml")
    }


def test_every_manifest_is_strictly_valid_for_a_current_kubernetes(any_model: Model) -> None:
    for path, obj in base_objects(any_model).items():
        try:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path}: {exc.message}")


def test_the_validator_is_strict() -> None:
    bad = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}, "spec": {"portz": []}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, K8S_VERSION, strict=True)


def test_every_file_is_listed_by_exactly_one_kustomization(any_model: Model) -> None:
    docs = manifests(any_model)
    listed: list[str] = []
    for path, doc in docs.items():
        if path.startswith("kubernetes/base/") and path.endswith("kustomization.yaml"):
            directory = path.rpartition("/")[0]
            listed += [f"{directory}/{r}" for r in doc.get("resources", [])]
    objects = [p for p in docs if p.startswith("kubernetes/base/") and "kustomization" not in p]
    directories = {p.rpartition("/")[0] for p in objects}
    kustomizations = {p.rpartition("/")[0] for p in docs if p.endswith("kustomization.yaml")}
    assert directories <= kustomizations
    leaf = [x for x in listed if x.endswith(".yaml")]
    assert sorted(leaf) == sorted(objects) and len(leaf) == len(set(leaf))
    for overlay in ("dev", "prod"):
        top = docs[f"kubernetes/overlays/{overlay}/kustomization.yaml"]["resources"]
        base = docs["kubernetes/base/kustomization.yaml"]["resources"]
        # every base directory, services through their own overlay
        assert [r.removeprefix("../../base/") for r in top] == base


def test_each_service_gets_its_image_in_its_own_small_overlay(shop: Model) -> None:
    """One flat images: list applies every entry to every object: quadratic in kustomize."""
    docs = manifests(shop)
    prod = docs["kubernetes/overlays/prod/services/orders/kustomization.yaml"]
    assert prod["resources"] == ["../../../../base/services/orders"]
    assert prod["images"] == [
        {
            "name": "shop-orders",
            "newName": "registry.example.com/shop/shop-orders",
            "newTag": "0.1.0",
        }
    ]
    dev = docs["kubernetes/overlays/dev/services/orders/kustomization.yaml"]
    assert dev["replicas"] == [{"name": "orders", "count": 1}]
    assert "replicas" not in docs["kubernetes/overlays/dev/services/catalog/kustomization.yaml"]
    for overlay in ("dev", "prod"):
        assert "images" not in docs[f"kubernetes/overlays/{overlay}/kustomization.yaml"]


def component_objects(model: Model) -> dict[str, dict]:
    """The observability components' objects (the model asks for observability)."""
    return {
        p: d
        for p, d in manifests(model).items()
        if p.startswith("kubernetes/components/") and not p.endswith("kustomization.yaml")
    }


def by_kind(model: Model, kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in base_objects(model).values() if o["kind"] == kind}


def test_deployments_run_as_non_root_with_probes_and_resources(any_model: Model) -> None:
    for name, dep in by_kind(any_model, "Deployment").items():
        pod = dep["spec"]["template"]["spec"]
        assert (
            pod["securityContext"]["runAsNonRoot"] is True
            and pod["securityContext"]["runAsUser"] > 0
        )
        (container,) = pod["containers"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert (
            container["livenessProbe"]["httpGet"]["path"]
            and container["readinessProbe"]["httpGet"]["path"]
        )
        assert container["resources"]["requests"]["cpu"], name
        assert pod["serviceAccountName"] == name


def test_hpa_only_when_autoscaled_and_pdb_only_when_min_replicas_at_least_two(
    any_model: Model,
) -> None:
    hpas, pdbs = (
        by_kind(any_model, "HorizontalPodAutoscaler"),
        by_kind(any_model, "PodDisruptionBudget"),
    )
    for svc in any_model.services:
        if svc.kind not in ("service", "gateway", "worker"):
            continue
        assert (svc.id in hpas) == svc.replicas.autoscaled
        assert (svc.id in pdbs) == (svc.replicas.min >= 2)
        if svc.replicas.autoscaled:
            spec = hpas[svc.id]["spec"]
            assert (spec["minReplicas"], spec["maxReplicas"]) == (
                svc.replicas.min,
                svc.replicas.max,
            )


def modelled_edges(model: Model) -> set[tuple[str, str]]:
    exported = {s.id for s in model.services if s.kind in ("service", "gateway", "worker")}
    edges = {(s.id, c.to) for s in model.services for c in s.calls}
    edges |= {(s.id, r.to) for s in model.services for r in s.routes}
    return {(a, b) for a, b in edges if a in exported and b in exported and a != b}


def admitted_edges(model: Model) -> set[tuple[str, str]]:
    edges = set()
    services = {s.id for s in model.services}
    for name, policy in by_kind(model, "NetworkPolicy").items():
        if name not in services:
            continue
        for rule in policy["spec"]["ingress"]:
            for peer in rule["from"]:
                if "podSelector" in peer:
                    edges.add((peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"], name))
    return edges


def test_network_policies_admit_exactly_the_modelled_calls(any_model: Model) -> None:
    assert admitted_edges(any_model) == modelled_edges(any_model)


def test_egress_matches_the_modelled_calls_datastores_and_brokers(shop: Model) -> None:
    policy = by_kind(shop, "NetworkPolicy")["orders"]
    targets = {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for rule in policy["spec"]["egress"]
        for peer in rule["to"]
        if "podSelector" in peer
    }
    assert targets == {"payments", "catalog", "orders-db", "catalog-db", "bus"}
    payments = by_kind(shop, "NetworkPolicy")["payments"]["spec"]["egress"]
    assert any(
        "ipBlock" in peer for rule in payments for peer in rule["to"]
    )  # calls an external system


def test_a_default_deny_policy_covers_the_namespace(any_model: Model) -> None:
    deny = by_kind(any_model, "NetworkPolicy")["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_datastores_admit_only_their_modelled_users(shop: Model) -> None:
    catalog_db = by_kind(shop, "NetworkPolicy")["catalog-db"]["spec"]["ingress"][0]["from"]
    assert {p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] for p in catalog_db} == {
        "catalog",
        "orders",
    }


def test_the_gateway_gets_an_ingress_with_its_routes(shop: Model) -> None:
    ingress = by_kind(shop, "Ingress")["gateway"]
    paths = [p["path"] for p in ingress["spec"]["rules"][0]["http"]["paths"]]
    assert paths == ["/api/catalog", "/api/orders"]


def test_secrets_are_generated_from_files_the_bundle_does_not_contain(any_model: Model) -> None:
    files = export_bundle(any_model, target="kubernetes").files
    assert not by_kind(any_model, "Secret")  # no Secret with a value in the bundle
    kustomization = yaml.safe_load(files["kubernetes/base/secrets/kustomization.yaml"])
    generated = {g["name"]: g["envs"] for g in kustomization["secretGenerator"]}
    for name, envs in generated.items():
        env_file = f"kubernetes/base/secrets/{envs[0]}"
        assert envs == [f"{name}.env"] and env_file not in files
        example = files[f"{env_file}.example"].decode().splitlines()
        values = {line.split("=", 1)[1] for line in example if not line.startswith("#")}
        assert values <= {"REPLACE_ME", ""}, values
    # every Secret a workload reads is generated
    workloads = list(base_objects(any_model).values()) + list(component_objects(any_model).values())
    referenced = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for obj in workloads
        if obj["kind"] in ("Deployment", "StatefulSet")
        for env in obj["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if "valueFrom" in env
    }
    assert referenced == set(generated)


def test_hpa_managed_deployments_leave_the_replica_count_to_the_hpa(shop: Model) -> None:
    deployments = by_kind(shop, "Deployment")
    assert "replicas" not in deployments["catalog"]["spec"]  # {min: 2, max: 6}
    assert deployments["orders"]["spec"]["replicas"] == 2


def test_deployments_have_startup_probes_and_spread_when_replicated(shop: Model) -> None:
    deployments = by_kind(shop, "Deployment")
    for name, dep in deployments.items():
        pod = dep["spec"]["template"]["spec"]
        assert pod["containers"][0]["startupProbe"]["httpGet"]["path"], name
    spread = deployments["orders"]["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {
        "kubernetes.io/hostname",
        "topology.kubernetes.io/zone",
    }
    assert all(
        c["labelSelector"]["matchLabels"]["app.kubernetes.io/name"] == "orders" for c in spread
    )
    assert "topologySpreadConstraints" not in deployments["shipping"]["spec"]["template"]["spec"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_the_overlays_once_the_secrets_exist(shop: Model, tmp_path) -> None:
    root = runner.extract(export_bundle(shop, target="kubernetes").to_zip(), tmp_path)

    def build(path: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["kubectl", "kustomize", path], cwd=root, capture_output=True, text=True, timeout=120
        )

    assert build("kubernetes/overlays/prod").returncode != 0  # no secrets yet: refused
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    for overlay, namespace, tag in (("prod", "shop", "0.1.0"), ("dev", "shop-dev", "dev")):
        result = build(f"kubernetes/overlays/{overlay}")
        assert result.returncode == 0, result.stderr
        objects = list(yaml.safe_load_all(result.stdout))
        secrets = {o["metadata"]["name"] for o in objects if o["kind"] == "Secret"}
        for obj in objects:
            if obj["kind"] != "Namespace":
                assert obj["metadata"]["namespace"] == namespace, obj["metadata"]
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            if obj["kind"] == "Deployment":
                pod = obj["spec"]["template"]["spec"]
                assert pod["containers"][0]["image"].endswith(
                    f"shop-{obj['metadata']['name']}:{tag}"
                )
                for env in pod["containers"][0].get("env", []):
                    if "valueFrom" in env:  # references follow the generated (hashed) names
                        assert env["valueFrom"]["secretKeyRef"]["name"] in secrets


def test_the_gateway_ingress_serves_tls_through_cert_manager(shop: Model) -> None:
    ingress = by_kind(shop, "Ingress")["gateway"]
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
    (tls,) = ingress["spec"]["tls"]
    (rule,) = ingress["spec"]["rules"]
    assert tls == {"hosts": [rule["host"]], "secretName": "gateway-tls"}


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_modelled_mtls_comes_with_a_mesh_overlay(shop: Model, everything: Model, tmp_path) -> None:
    # shop: payments-api is `auth: mtls`; everything models no mutual TLS
    assert "kubernetes/overlays/prod-mesh/kustomization.yaml" not in manifests(everything)
    root = runner.extract(export_bundle(shop, target="kubernetes").to_zip(), tmp_path)
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)
    result = subprocess.run(
        ["kubectl", "kustomize", "kubernetes/overlays/prod-mesh"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(result.stdout)}
    namespace = objects[("Namespace", "shop")]
    assert namespace["metadata"]["annotations"] == {"linkerd.io/inject": "enabled"}
    policy = objects[("NetworkPolicy", "allow-linkerd")]
    kubernetes_validate.validate(policy, K8S_VERSION, strict=True)
    assert policy["metadata"]["namespace"] == "shop"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_the_prod_parts_together_are_exactly_the_prod_overlay(
    shop: Model, tmp_path, monkeypatch
) -> None:
    import exporters.kubernetes as k8s

    monkeypatch.setattr(k8s, "PART_SIZE", 2)  # shop's services in several parts
    root = runner.extract(export_bundle(shop, target="kubernetes").to_zip(), tmp_path)
    subprocess.run(["sh", "scripts/init-env.sh"], cwd=root, check=True, capture_output=True)

    def build(path: str) -> list[dict]:
        result = subprocess.run(
            ["kubectl", "kustomize", path], cwd=root, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr
        return list(yaml.safe_load_all(result.stdout))

    def key(o: dict) -> tuple[str, str]:
        return (o["kind"], o["metadata"]["name"])

    prod = {key(o): o for o in build("kubernetes/overlays/prod")}
    parts = sorted((root / "kubernetes" / "overlays" / "prod-parts").iterdir())
    assert len(parts) > 2
    union: dict[tuple[str, str], dict] = {}
    for part in parts:
        objects = build(str(part.relative_to(root)))
        for obj in objects:
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
            if obj["kind"] != "Secret":  # every part carries the (identical) Secrets
                assert key(obj) not in union, key(obj)
            assert union.setdefault(key(obj), obj) == obj
    assert union == prod


def test_an_init_container_applies_the_services_migrations_before_it_starts(shop: Model) -> None:
    deployments = by_kind(shop, "Deployment")
    files = export_bundle(shop, target="kubernetes").files
    # payments keeps an outbox, orders a processed-message table; catalog neither
    assert "initContainers" not in deployments["catalog"]["spec"]["template"]["spec"]
    pod = deployments["payments"]["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    assert init["image"] == "postgres:16.4-bookworm"  # the datastore's own image and psql
    assert init["command"] == ["sh", "/migrations/migrate.sh"]
    env = {e["name"]: e for e in init["env"]}
    assert env["DB_HOST"]["value"] == "payments-db"
    assert env["DB_PASSWORD"]["value"] == "$(PAYMENTS_DB_PASSWORD)"
    assert env["PAYMENTS_DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == (
        "payments-db-credentials"
    )
    assert init["securityContext"]["readOnlyRootFilesystem"] is True
    volume = next(v for v in pod["volumes"] if v["name"] == "migrations")
    config = base_objects(shop)["kubernetes/base/services/payments/configmap-migrations.yaml"]
    assert volume["configMap"]["name"] == config["metadata"]["name"] == "payments-migrations"
    # the same files the compose step mounts
    for name, content in config["data"].items():
        assert files[f"services/payments/migrations/{name}"].decode() == content
    assert set(config["data"]) == {"0001_workbench_outbox.sql", "migrate.sh"}
