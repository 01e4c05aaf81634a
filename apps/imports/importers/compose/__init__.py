"""Docker Compose (Compose Specification) → ``workbench/v1``.

Reads a project of one or more files merged the way Compose merges them, with the variables
of the env files given (never the machine's environment) and the selected profiles: images,
environment, health commands, ports and names classify each container by evidence
(``classify``); ``depends_on``, ``links`` and connection URLs / host names / connection strings
in ``environment`` give calls and data access; ``healthcheck``, ``deploy.replicas``,
``deploy.resources.limits`` and published ``ports`` (public entry points). Nothing outside the
files given is read: ``include``, ``env_file`` and Dockerfiles are reported as ignored.
Anchors, aliases and merge keys are expanded under a budget (see ``reader``).

The package, by part:

- ``project``: env files, interpolation and the merge of several files;
- ``importer``: ``import_compose`` and the reader's walk over ``services``: ``extends``, the
  element each service becomes, its aliases;
- ``evidence``: dependencies (a ``depends_on`` alone is a start order) and what the tooling a
  service uses says about it (tracing, central logging, registry discovery, health URLs);
- ``stores``: databases named by connection strings, kinds said by clients, stores paired with
  services by name, stores only tooling uses;
- ``clues``: the pure readings those use (connection strings, database URLs, name stems);
- ``service_settings``: a service's replicas, health check, resource limits and ports, and the
  state every part of the reader shares.
"""

from .importer import import_compose

__all__ = ["import_compose"]
