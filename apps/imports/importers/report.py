"""What an import read, guessed and left out, item by item, with the source file and line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ReportItem:
    message: str
    file: str | None = None
    line: int | None = None
    element: str | None = None  # the id in the produced document, when there is one

    def as_dict(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "element": self.element,
        }

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportReport:
    """``inferred``: read directly; ``guessed``: a default or heuristic (each says how);
    ``ignored``: left out of the document (each says why)."""

    inferred: list[ReportItem] = field(default_factory=list)
    guessed: list[ReportItem] = field(default_factory=list)
    ignored: list[ReportItem] = field(default_factory=list)

    def infer(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.inferred.append(ReportItem(message, file, line, element))

    def guess(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.guessed.append(ReportItem(message, file, line, element))

    def ignore(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        self.ignored.append(ReportItem(message, file, line, element))

    def ignore_once(
        self,
        message: str,
        file: str | None = None,
        line: int | None = None,
        element: str | None = None,
    ) -> None:
        """Report something left out once per file, however often the input repeats it (a
        remote ``$ref`` used by ten operations is one item)."""
        if not any(i.message == message and i.file == file for i in self.ignored):
            self.ignored.append(ReportItem(message, file, line, element))

    def extend(self, other: ImportReport) -> None:
        self.inferred += other.inferred
        self.guessed += other.guessed
        self.ignored += other.ignored

    def as_dict(self) -> dict[str, Any]:
        return {
            "inferred": [i.as_dict() for i in self.inferred],
            "guessed": [i.as_dict() for i in self.guessed],
            "ignored": [i.as_dict() for i in self.ignored],
            "counts": {
                "inferred": len(self.inferred),
                "guessed": len(self.guessed),
                "ignored": len(self.ignored),
            },
        }

    def as_text(self) -> str:
        lines = []
        for title, items in (
            ("inferred", self.inferred),
            ("guessed", self.guessed),
            ("ignored", self.ignored),
        ):
            lines.append(f"{title} ({len(items)}):")
            lines += [f"  {item}" for item in items]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class InputProblem:
    file: str | None
    line: int | None
    message: str
    column: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.file or "input"
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class ImportInputError(ValueError):
    """The input cannot be read as the named kind; nothing was produced. ``status`` is the
    HTTP status an API answers with (413 for size limits, else 422)."""

    def __init__(self, problems: list[InputProblem], status: int = 422):
        self.problems = problems
        self.status = status
        super().__init__("; ".join(str(p) for p in problems))

    @classmethod
    def one(
        cls, message: str, file: str | None = None, line: int | None = None, status: int = 422
    ) -> ImportInputError:
        return cls([InputProblem(file, line, message)], status=status)

    def as_dict(self) -> dict[str, Any]:
        return {"errors": [p.as_dict() for p in self.problems]}
