"""The bundle's observability stack, present when an exported service's effective
``observability`` asks for it (``metrics`` or ``tracing`` true, or ``logging: central``):

- ``compose``: profile ``observability`` in ``compose.yaml`` (OpenTelemetry collector,
  Prometheus, Grafana, Jaeger, Loki, Alloy) with its config files under ``observability/``;
- ``kubernetes``: the component ``kubernetes/components/observability`` (the same parts as
  ConfigMaps and workloads, with their NetworkPolicies), the overlay
  ``kubernetes/overlays/observability`` (dev plus the component) and the optional component
  ``kubernetes/components/servicemonitor`` for a cluster running the Prometheus Operator.

``configs`` holds the configuration both targets share, ``dashboards`` the Grafana RED
dashboards. Without the stack the bundle is byte-identical to one made before it existed.
"""

from __future__ import annotations

from exporters.common.infra import Plan

from .dashboards import dashboard_json, red_dashboard


def dashboards(plan: Plan) -> dict[str, bytes]:
    """Service id -> its dashboard's JSON, for every service with ``metrics: true``."""
    events = {e.id for e in plan.model.events}
    return {
        svc.id: dashboard_json(
            red_dashboard(
                svc,
                publishes=any(p.event in events for p in svc.publishes),
                subscribes=any(s.event in events for s in svc.subscribes),
            )
        )
        for svc in plan.metrics_services()
    }
