"""Kubernetes manifests: strictly valid, complete kustomizations, least-privilege networking."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from apps.archmodel import Model
from exporters import export_bundle

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


def test_the_kustomization_lists_every_file(any_model: Model) -> None:
    docs = manifests(any_model)
    listed = docs["kubernetes/base/kustomization.yaml"]["resources"]
    present = sorted(
        p.removeprefix("kubernetes/base/")
        for p in docs
        if p.startswith("kubernetes/base/") and not p.endswith("kustomization.yaml")
    )
    assert sorted(listed) == present and len(listed) == len(set(listed))
    for overlay in ("dev", "prod"):
        assert docs[f"kubernetes/overlays/{overlay}/kustomization.yaml"]["resources"] == [
            "../../base"
        ]


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
    kustomization = yaml.safe_load(files["kubernetes/base/kustomization.yaml"])
    generated = {g["name"]: g["envs"] for g in kustomization["secretGenerator"]}
    for name, envs in generated.items():
        assert envs == [f"secrets/{name}.env"] and f"kubernetes/base/{envs[0]}" not in files
        example = files[f"kubernetes/base/{envs[0]}.example"].decode().splitlines()
        values = {line.split("=", 1)[1] for line in example if not line.startswith("#")}
        assert values <= {"REPLACE_ME", ""}, values
    # every Secret a workload reads is generated
    referenced = {
        env["valueFrom"]["secretKeyRef"]["name"]
        for kind in ("Deployment", "StatefulSet")
        for obj in by_kind(any_model, kind).values()
        for env in obj["spec"]["template"]["spec"]["containers"][0].get("env", [])
        if "valueFrom" in env
    }
    assert referenced == set(generated)
