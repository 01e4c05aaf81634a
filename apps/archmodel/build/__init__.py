"""From a canonical document to a typed ``Model``: ids, references and effective values.

The checks here are the ones a schema cannot express: one id namespace across all kinds,
references that resolve to an element of the right kind, APIs provided by the callee, routes
only on gateways, no self-calls, and the element-count limit.

Modules: ``references`` (the id namespace, the element-count limit, resolving references and
the api a call or route names), ``services`` (a service with its apis, calls, events, data and
routes), ``builder`` (``Builder``: the whole ``Model`` and the other element kinds),
``values`` (reading loose values, and the effective values of shorthands and defaults).
"""

from .builder import Builder

__all__ = ["Builder"]
