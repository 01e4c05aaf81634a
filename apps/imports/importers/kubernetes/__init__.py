"""Kubernetes manifests → ``workbench/v1``.

Reads Deployments, StatefulSets, DaemonSets (workloads: services, datastores or brokers by
image), Services (names other workloads use to reach them; LoadBalancer/NodePort = public),
Ingresses (a gateway with routes), NetworkPolicies (ingress from a podSelector = calls),
HorizontalPodAutoscalers (replicas min/max/cpu target) and probes (health), from multi-
document files and kustomize-style folders. Only the given files are read: a
``kustomization.yaml`` selects the local files it lists under ``resources``; remote bases and
paths outside the folder are reported as ignored.

The package, by part:

- ``importer``: ``import_kubernetes``, the pass over the objects (workloads first, then
  Services, Ingresses, NetworkPolicies and HPAs), and the calls found in container env;
- ``inputs``: which files are read (kustomizations) and the Kubernetes objects in them;
- ``workloads``: workloads → services, datastores or brokers, and what HPAs say about them;
- ``networking``: Services, Ingresses and NetworkPolicies → names, gateways, public entries
  and calls.
"""

from .importer import import_kubernetes

__all__ = ["import_kubernetes"]
