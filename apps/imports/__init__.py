"""Importers and drift: other descriptions of a system (compose files, Kubernetes manifests,
OpenAPI/AsyncAPI documents, Backstage catalogs, MicroTOSCA) read into a ``workbench/v1``
document with a report of what was read, guessed and ignored; and drift between a model and
what a deployment description says. The importers themselves are framework-free
(``apps.imports.importers``, ``apps.imports.drift``); this app adds the API, pages and merge.
"""
