"""Loading: bytes or text in, a typed ``Model`` out, or every error at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from . import spec as S
from .build import Builder
from .errors import ModelError, ModelInvalid
from .limits import DEFAULT_LIMITS, Limits
from .types import Model
from .validate import ROOT, Checker
from .yamlio import Parsed, dump_json_data, dump_yaml_data, parse_document


def load_model(source: str | bytes, *, limits: Limits = DEFAULT_LIMITS) -> Model:
    """Parse and validate a ``workbench/v1`` file (YAML or JSON). Raises ``ModelInvalid``."""
    with gc_paused():
        parsed = parse_document(source, limits=limits)
        return model_from_data(parsed.data, limits=limits, parsed=parsed)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading allocates hundreds of thousands of acyclic objects; the cyclic collector would
    walk them again and again (a third of the load time on large models). Nothing made here
    forms cycles that need it, so it runs once, after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def model_from_data(
    data: Any, *, limits: Limits = DEFAULT_LIMITS, parsed: Parsed | None = None
) -> Model:
    """Validate already-parsed data (a stored document, a JSON body). Raises ``ModelInvalid``."""
    with gc_paused():
        return _model_from_data(data, limits=limits, parsed=parsed)


def _model_from_data(data: Any, *, limits: Limits, parsed: Parsed | None) -> Model:
    doc, errors = _canonical(data)
    if not isinstance(doc, dict) or (errors and not doc):
        raise ModelInvalid(_positioned(errors, parsed))
    # The builder is defensive about ill-typed parts, so reference errors are reported together
    # with the structural ones; a pointer that already has an error gets no second one.
    builder = Builder(doc, limits, source_order=list(data))
    model = builder.build()
    seen = {e.pointer.partition("#")[0] for e in errors}
    errors = errors + [e for e in builder.errors if e.pointer not in seen]
    if not errors and model is not None:
        if parsed is not None:
            model.lines = parsed.locate
        return model
    raise ModelInvalid(_positioned(errors, parsed))


def canonical_document(data: Any, *, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The canonical form of a valid document. Raises ``ModelInvalid``."""
    return model_from_data(data, limits=limits).document


def _canonical(data: Any) -> tuple[dict[str, Any], list[ModelError]]:
    if not isinstance(data, dict):
        return {}, [
            ModelError(
                "",
                "a model file must be a mapping with 'apiVersion: workbench/v1' and "
                "a 'name' at the top",
                "type",
            )
        ]
    if data.get("apiVersion") not in (None, "workbench/v1"):
        version = data.get("apiVersion")
        return {}, [
            ModelError(
                "/apiVersion",
                f"unsupported apiVersion '{version}'; this workbench reads 'workbench/v1'",
                "value",
            )
        ]
    checker = Checker()
    doc = checker.check(data, S.MODEL, ROOT)
    return doc, checker.errors


def _positioned(errors: list[ModelError], parsed: Parsed | None) -> list[ModelError]:
    out = []
    for e in errors:
        pointer, _, anchor = e.pointer.partition("#")
        line, col = (
            parsed.locate(pointer, key=anchor == "key") if parsed is not None else (None, None)
        )
        out.append(ModelError(pointer, e.message, e.kind, e.line or line, e.column or col))
    return out


def dump_yaml(model: Model | dict[str, Any]) -> str:
    """Canonical YAML: dump → load → dump is byte-identical."""
    return dump_yaml_data(model.document if isinstance(model, Model) else model)


def dump_json(model: Model | dict[str, Any]) -> str:
    return dump_json_data(model.document if isinstance(model, Model) else model)
