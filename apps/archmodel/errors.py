"""Errors of the model core: every problem found in a model file, at once, with where it is."""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of error MODEL_FORMAT.md names; clients can switch on them.
ERROR_KINDS = (
    "syntax",
    "unknown-key",
    "type",
    "value",
    "duplicate-id",
    "duplicate-connection",
    "bad-id",
    "dangling-reference",
    "self-call",
    "limit",
)


@dataclass(frozen=True, slots=True)
class ModelError:
    """One problem in a model: a JSON pointer, a 1-based line/column when the source is known."""

    pointer: str
    message: str
    kind: str = "value"
    line: int | None = None
    column: int | None = None

    def as_dict(self) -> dict:
        return {
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "kind": self.kind,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}" if self.line else "unknown position"
        return f"{self.pointer or '/'} ({where}): {self.message}"


class ModelInvalid(ValueError):
    """A model file was rejected as a whole; ``errors`` lists every problem, in source order."""

    def __init__(self, errors: list[ModelError]):
        self.errors = sorted(
            errors, key=lambda e: (e.line or 0, e.column or 0, e.pointer, e.message)
        )
        super().__init__(f"{len(self.errors)} error(s) in model")

    def as_dict(self) -> dict:
        return {"errors": [e.as_dict() for e in self.errors]}

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


def pointer_escape(token: str | int) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def pointer_join(*tokens: str | int) -> str:
    return "".join("/" + pointer_escape(t) for t in tokens)


def pointer_split(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]
