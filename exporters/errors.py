"""Errors an export can raise: the model holds something no safe bundle can be built from."""

from __future__ import annotations


class ExportError(ValueError):
    """Raised with every problem at once; each names the element (JSON pointer) at fault."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))
