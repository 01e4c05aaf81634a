"""Kubernetes objects as Python data, one function per kind.

By module:

- ``workloads``: Deployment, StatefulSet, HorizontalPodAutoscaler, PodDisruptionBudget, and
  the container env they share;
- ``networking``: Service, Ingress and the NetworkPolicies (default deny, DNS egress, least
  privilege per service and per datastore or broker);
- ``config``: Namespace, ServiceAccount, ConfigMap and Secrets;
- ``metadata``: the labels, selectors, object metadata and Secret names all of them use.
"""

from .config import (
    config_map,
    gateway_config,
    initdb_config,
    migrations_config,
    namespace,
    service_account,
)
from .metadata import secret_name
from .networking import (
    allow_dns,
    backing_policy,
    default_deny,
    ingress,
    mesh_policy,
    service,
    service_policy,
)
from .workloads import deployment, hpa, pdb, statefulset

__all__ = [
    "allow_dns",
    "backing_policy",
    "config_map",
    "default_deny",
    "deployment",
    "gateway_config",
    "hpa",
    "ingress",
    "initdb_config",
    "mesh_policy",
    "migrations_config",
    "namespace",
    "pdb",
    "secret_name",
    "service",
    "service_account",
    "service_policy",
    "statefulset",
]
