"""The rule engine: architecture rules (RULES.md) checked over a framework-free ``Model``.

Public surface (no Django in the engine, the catalog or the output formats):

- ``apps.rules.engine.check_model(model, *, today=None) -> Report``
- ``apps.rules.registry.RULES`` (id -> ``Rule``), ``CATEGORIES``, ``get_rule(id)``
- ``apps.rules.formats``: ``report_json``, ``report_sarif``, ``report_junit``, ``report_text``
- ``apps.rules.ruledocs``: each rule's documentation (why, failing/passing snippets, settings)

``api.py``, ``views.py`` and ``urls.py`` are the Django edges (the CI API and the rule pages).
"""
