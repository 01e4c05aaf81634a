"""Docker Compose (Compose Specification) → ``workbench/v1``.

Reads ``services`` only from the given file: images and build contexts (runtime guesses and
well-known datastores, brokers and gateways), ``depends_on``, ``links`` and connection URLs /
host names in ``environment`` (calls and data access), ``healthcheck``, ``deploy.replicas``,
``deploy.resources.limits`` and published ``ports`` (public entry points). Nothing outside the
file is read: ``extends`` to another file, ``include``, ``env_file`` and Dockerfiles are
reported as ignored; ``${VAR:-default}`` uses the default and never reads the environment.
Anchors, aliases and merge keys are expanded under a budget (see ``reader``).

The package, by part:

- ``importer``: ``import_compose`` and the reader's walk over ``services``: ``extends``, the
  element each service becomes, its aliases and its dependencies;
- ``service_settings``: a service's replicas, health check, resource limits and ports, and the
  state every part of the reader shares;
- ``interpolation``: ``${VAR:-default}`` without the environment.
"""

from .importer import import_compose

__all__ = ["import_compose"]
