"""Golden files for the shop example's key outputs. Regenerate with
``UPDATE_GOLDEN=1 pytest tests/exporters/test_golden.py`` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.archmodel import Model
from exporters import export_bundle
from tests.support import assert_golden

GOLDEN = Path(__file__).parents[1] / "golden" / "exporters" / "shop"
# A model that asks for no observability: its bundle carries no observability stack, and these
# files stay byte-identical to the bundle before the stack existed.
PLAIN = Path(__file__).parents[1] / "golden" / "exporters" / "everything"
PLAIN_FILES = [
    "compose.yaml",
    ".env.example",
    "README.md",
    "kubernetes/base/kustomization.yaml",
    "kubernetes/base/secrets/kustomization.yaml",
    "kubernetes/base/services/py/deployment.yaml",
    "kubernetes/base/services/py/configmap.yaml",
    "kubernetes/base/services/py/networkpolicy.yaml",
    "kubernetes/overlays/dev/kustomization.yaml",
]
FILES = [
    "compose.yaml",
    ".env.example",
    "services/gateway/nginx.conf",
    "services/orders/Dockerfile",
    "services/orders/app/spec.json",
    "kubernetes/base/kustomization.yaml",
    "kubernetes/base/services/orders/deployment.yaml",
    "kubernetes/base/services/orders/networkpolicy.yaml",
    "kubernetes/base/services/catalog/hpa.yaml",
    # the observability stack (shop asks for metrics, tracing and central logs)
    "observability/otel-collector.yaml",
    "observability/prometheus/prometheus.yml",
    "observability/loki/loki.yaml",
    "observability/alloy/config.alloy",
    "observability/grafana/provisioning/datasources/datasources.yaml",
    "observability/grafana/provisioning/dashboards/dashboards.yaml",
    "observability/grafana/dashboards/orders.json",
    "kubernetes/components/observability/kustomization.yaml",
    "kubernetes/components/observability/prometheus-configmap.yaml",
    "kubernetes/components/observability/networkpolicy-services-scrape.yaml",
    "kubernetes/components/servicemonitor/servicemonitor.yaml",
    "kubernetes/overlays/observability/kustomization.yaml",
]


@pytest.mark.parametrize("path", FILES)
def test_shop_export_matches_the_golden_files(shop: Model, path: str) -> None:
    content = export_bundle(shop).files[path]
    golden = GOLDEN / path.replace("/", "__")
    assert_golden(content, golden)


@pytest.mark.parametrize("path", PLAIN_FILES)
def test_a_model_without_observability_exports_no_observability_stack(
    everything: Model, path: str
) -> None:
    content = export_bundle(everything).files[path]
    golden = PLAIN / path.replace("/", "__")
    assert_golden(content, golden)


# A Go service of the model with every kind: its image recipe, its model view and its pins.
GO_FILES = ["services/golang/Dockerfile", "services/golang/spec.json", "services/golang/go.mod"]


@pytest.mark.parametrize("path", GO_FILES)
def test_go_service_export_matches_the_golden_files(everything: Model, path: str) -> None:
    content = export_bundle(everything).files[path]
    golden = GOLDEN.with_name("everything") / path.replace("/", "__")
    assert_golden(content, golden)
