"""The reader's result: plain data plus the source position of every key and value."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import pointer_split


@dataclass(slots=True)
class Parsed:
    """A parsed document: plain data plus where each key and value stood in the source."""

    data: Any
    # id(container) -> {key: (key_mark, value_mark)} for dicts, [value_mark, ...] for lists;
    # marks are the parser's (0-based line/column), converted only when asked.
    marks: dict[int, Any] = field(default_factory=dict)
    root_mark: tuple[int, int] = (1, 1)
    error_pointer: str = ""

    def locate(self, pointer: str, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of the value at ``pointer`` (of its key with ``key=True``).

        Walks as deep as the pointer resolves and answers the deepest position found, so a
        pointer to a missing key points at its parent mapping.
        """
        node = self.data
        line, col = self.root_mark
        for token in pointer_split(pointer):
            marks = self.marks.get(id(node))
            if isinstance(node, dict) and marks is not None and token in node:
                mark = marks[token][0 if key else 1]
                line, col = mark.line + 1, mark.column + 1
                node = node[token]
            elif (
                isinstance(node, list)
                and marks is not None
                and token.isdigit()
                and int(token) < len(node)
            ):
                mark = marks[int(token)]
                line, col = mark.line + 1, mark.column + 1
                node = node[int(token)]
            else:
                break
        return line, col
