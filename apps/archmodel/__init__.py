"""The framework-free model core: the ``workbench/v1`` format, loaded, validated and dumped.

Public surface (no Django here; the CLI, the rule engine, the diagrams and the exporters use it):

- ``load_model(source, limits=...)`` → ``Model``; raises ``ModelInvalid`` listing every error
- ``model_from_data(data)`` for stored or already-parsed documents
- ``dump_yaml(model_or_document)`` / ``dump_json(...)``: canonical, byte-stable output
- ``model_json_schema()``: the published JSON Schema
- ``Limits``, ``ModelError``, ``ModelInvalid``, and the typed elements in ``types``
"""

from .errors import ModelError, ModelInvalid
from .limits import DEFAULT_LIMITS, Limits
from .loader import canonical_document, dump_json, dump_yaml, load_model, model_from_data
from .schema import model_json_schema
from .types import Model

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "Model",
    "ModelError",
    "ModelInvalid",
    "canonical_document",
    "dump_json",
    "dump_yaml",
    "load_model",
    "model_from_data",
    "model_json_schema",
]
