"""Kubernetes imports of real manifests give the model a person would write: the container
that is the workload, versions behind one Service as one service, the namespace as the
model name, tooling left out, and no finding resting on what manifests cannot say."""

from __future__ import annotations

import pytest

from apps.archmodel import model_from_data
from apps.imports.importers import ImportInputError
from apps.imports.importers.kubernetes.workloads import pick_container
from apps.rules.engine import check_model

from .helpers import calls, data, kinds, run, services, text


def findings(doc: dict) -> list:
    return check_model(model_from_data(doc)).findings


def test_bookinfo_reviews_v1_v2_v3_are_one_service_named_after_its_service():
    doc, report = run("kubernetes", "kubernetes/bookinfo")
    assert doc["name"] == "bookinfo"  # no namespace: the file's name, not 'kubernetes'
    assert set(services(doc)) == {"details", "ratings", "reviews", "productpage"}
    reviews = services(doc)["reviews"]
    assert reviews["replicas"] == 3
    assert reviews["tags"] == ["version:v1", "version:v2", "version:v3"]
    assert "x-env" not in reviews
    assert any("are versions (v1, v2, v3)" in i.message for i in report.inferred)
    assert not [f for f in findings(doc) if f.severity == "error"]


def test_otel_demo_manifests_pick_the_workload_container_and_leave_tooling_out():
    doc, report = run("kubernetes", "kubernetes/otel-demo")
    assert doc["name"] == "otel-demo"  # the namespace every object shares
    assert set(services(doc)) == {
        "accounting", "ad", "cart", "checkout", "currency", "email", "flagd",
        "fraud-detection", "frontend", "frontend-proxy", "image-provider", "payment",
        "product-catalog", "quote", "recommendation", "shipping",
    }  # fmt: skip
    tooling = {i.message.split("'")[1] for i in report.ignored if " tooling (" in i.message}
    assert tooling == {"grafana", "jaeger", "otel-collector", "prometheus", "load-generator"}
    # grafana's first container is the k8s-sidecar; the workload is the grafana container
    assert any(
        i.message.startswith("'grafana' has") and "'grafana' is the workload" in i.message
        for i in report.guessed
    )
    assert services(doc)["frontend-proxy"]["kind"] == "gateway"  # ENVOY_PORT
    assert kinds(doc, "datastores") == {
        "postgresql": "postgres",
        "valkey-cart": "redis",
        "opensearch": "elasticsearch",
    }
    assert kinds(doc, "brokers") == {"kafka": "kafka"}
    assert data(doc, "accounting") == {"postgresql"}  # an ADO.NET connection string
    owners = {d["id"]: d.get("owner") for d in doc["datastores"]}
    assert owners["postgresql"] == "accounting" and owners["valkey-cart"] == "cart"
    assert calls(doc, "shipping") == {"quote"}
    assert services(doc)["cart"]["runtime"] == "dotnet"
    assert services(doc)["checkout"]["observability"] == {
        "logging": "central",
        "metrics": True,
        "tracing": True,
    }
    rules = {(f.severity, f.rule) for f in findings(doc)}
    assert ("error", "wobbly-call") not in rules  # timeouts are not in manifests
    assert ("info", "wobbly-call") in rules


def test_the_container_named_like_the_workload_else_the_service_port_else_not_a_sidecar():
    sidecar = {"name": "istio-proxy", "image": "istio/proxyv2", "ports": [{"containerPort": 15090}]}
    app = {"name": "api", "image": "example/api", "ports": [{"containerPort": 8080}]}
    named = {"name": "orders", "image": "example/orders"}
    assert pick_container("orders", [sidecar, app, named], set())[0] is named
    assert pick_container("orders", [sidecar, app], {8080})[0] is app
    assert pick_container("orders", [sidecar, app], set())[0] is app
    assert pick_container("orders", [sidecar], set())[0] is sidecar


def test_a_helm_chart_folder_says_render_it_first(tmp_path):
    with pytest.raises(ImportInputError) as exc:
        text("kubernetes", "apiVersion: v2\nname: shop\nversion: 0.1.0\n", "shop/Chart.yaml")
    assert "helm template" in exc.value.problems[0].message


def test_a_service_named_user_keeps_its_name_and_the_actor_is_renamed_everywhere():
    manifests = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: user}
spec:
  selector: {matchLabels: {app: user}}
  template:
    metadata: {labels: {app: user}}
    spec:
      containers: [{name: user, image: example/user, ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: user}
spec: {type: LoadBalancer, selector: {app: user}, ports: [{port: 80}]}
"""
    k8s, _ = text("kubernetes", manifests)
    compose, _ = text(
        "compose", "services:\n  user:\n    image: example/user\n    ports: ['80:80']\n"
    )
    for doc in (k8s, compose):
        assert "user" in services(doc)
        assert [(a["id"], a["calls"]) for a in doc["actors"]] == [("user-actor", ["user"])]
