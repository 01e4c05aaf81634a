"""Structurizr DSL (``workspace.dsl``) → ``workbench/v1``: the elements and relationships of the
``model`` block (see ``c4tree`` for the mapping).

Read: ``person``, ``softwareSystem``, ``container``, ``component`` (with or without an
identifier), ``group`` and ``enterprise`` (transparent), ``archetypes`` (custom keywords with
their technology and tags), relationships ``a -> b "description" "technology"`` (also ``-> b`` and
``this -> b`` inside an element), and the ``description``/``technology``/``tags`` statements.
Skipped and reported: deployment environments, views, styles, and every ``!`` directive
(``!include``, ``!docs``, ``!script``, ...): nothing named in the file is read, fetched or run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .builder import DocumentBuilder, Where
from .c4tree import C4Node, C4Relation, C4Tree, build, classify
from .report import ImportInputError, ImportReport
from .sources import SourceFile

ELEMENTS = {"person", "softwaresystem", "container", "component"}
TRANSPARENT = {"group", "enterprise"}
SKIP_BLOCKS = {
    "views",
    "configuration",
    "deploymentenvironment",
    "properties",
    "perspectives",
    "styles",
    "branding",
    "terminology",
    "users",
    "animation",
}
TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:\\.|[^"\\])*")|(?P<arrow>-/?>)|(?P<brace>[{}])|(?P<eq>=)'
    r'|(?P<word>[^\s"{}=]+))'
)


@dataclass
class _Archetype:
    base: str  # person | softwaresystem | container | component | group
    technology: str = ""
    tags: tuple[str, ...] = ()


def _unquote(token: str) -> str:
    if token.startswith('"'):
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def _statements(text: str, file: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """(line number, tokens) per non-empty line, comments removed."""
    out = []
    in_comment = False
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if in_comment:
            if "*/" in line:
                in_comment = False
                line = line.split("*/", 1)[1].strip()
            else:
                continue
        if line.startswith("/*"):
            if "*/" not in line:
                in_comment = True
                continue
            line = line.split("*/", 1)[1].strip()
        if not line or line.startswith(("#", "//")):
            continue
        tokens, pos = [], 0
        while pos < len(line):
            m = TOKEN.match(line, pos)
            if m is None or m.end() == pos:
                break
            kind = m.lastgroup or ""
            tokens.append((kind, m.group(kind)))
            pos = m.end()
            if pos < len(line) and not line[pos:].strip():
                break
        if pos < len(line) and line[pos:].strip():
            raise ImportInputError.one(f"cannot read {line[pos:][:40]!r}", file, number)
        if tokens:
            out.append((number, tokens))
    return out


class _Reader:
    def __init__(self, text: str, file: str, report: ImportReport):
        self.lines = _statements(text, file)
        self.i = 0
        self.file = file
        self.report = report
        self.tree = C4Tree()
        self.archetypes: dict[str, _Archetype] = {}
        self.anonymous = 0

    def where(self, line: int) -> Where:
        return Where(self.file, line)

    def skip_block(self) -> None:
        """Skip to the ``}`` closing the block whose ``{`` ended the previous statement."""
        depth = 1
        while self.i < len(self.lines) and depth:
            _, tokens = self.lines[self.i]
            self.i += 1
            for kind, value in tokens:
                if kind == "brace":
                    depth += 1 if value == "{" else -1

    def read(self) -> C4Tree:
        found = False
        while self.i < len(self.lines):
            line, tokens = self.lines[self.i]
            self.i += 1
            words = [v for k, v in tokens]
            if words[0].lower() == "workspace":
                found = True
                if len(words) > 1 and words[1].lower() == "extends":
                    self.report.ignore(
                        "'workspace extends': the extended workspace is not read", self.file, line
                    )
                    strings = []
                else:
                    strings = [_unquote(v) for k, v in tokens[1:] if k == "str"]
                self.tree.title = strings[0] if strings else ""
                self.tree.description = strings[1] if len(strings) > 1 else ""
                continue
            if words[0].lower() == "model" and words[-1] == "{":
                self.block(None)
                continue
            if words[-1] == "{":
                self.skip_block()
                if words[0].lower() not in SKIP_BLOCKS:
                    self.report.ignore(f"'{words[0]}' block skipped", self.file, line)
            elif words[0].startswith("!"):
                self.report.ignore(
                    f"directive '{words[0]}' not followed (nothing is included or run)",
                    self.file,
                    line,
                )
        if not found:
            raise ImportInputError.one(
                "expected a Structurizr DSL workspace: 'workspace { model { ... } }'", self.file, 1
            )
        return self.tree

    def block(self, scope: C4Node | None) -> None:
        """Statements up to the closing ``}``; elements go under ``scope``."""
        while self.i < len(self.lines):
            line, tokens = self.lines[self.i]
            self.i += 1
            kinds = [k for k, _ in tokens]
            words = [v for _, v in tokens]
            opens = words[-1] == "{"
            head = words[0].lower()
            if words == ["}"]:
                return
            if head.startswith("!"):
                self.report.ignore(
                    f"directive '{words[0]}' not followed (nothing is included or run)",
                    self.file,
                    line,
                )
                if opens:
                    self.skip_block()
                continue
            if head == "archetypes" and opens:
                self.archetypes_block()
                continue
            if "arrow" in kinds:
                self.relation(tokens, scope, line)
                if opens:
                    self.skip_block()
                continue
            ident = None
            if len(tokens) > 2 and kinds[1] == "eq":
                ident, tokens, kinds, words = words[0], tokens[2:], kinds[2:], words[2:]
                head = words[0].lower()
            keyword = self.keyword(head)
            if keyword in ELEMENTS:
                node = self.element(keyword, head, ident, tokens, scope, line)
                if opens:
                    self.block(node)
                continue
            if keyword in TRANSPARENT:
                if opens:
                    self.block(scope)  # a group's elements belong to the enclosing scope
                continue
            if scope is not None and head in ("description", "technology") and len(tokens) > 1:
                setattr(scope, head, _unquote(words[1]))
                continue
            if scope is not None and head in ("tags", "tag") and len(tokens) > 1:
                scope.tags += [
                    t.strip() for w in words[1:] for t in _unquote(w).split(",") if t.strip()
                ]
                continue
            if opens:
                self.skip_block()
                if head not in SKIP_BLOCKS:
                    self.report.ignore(f"'{words[0]}' block skipped", self.file, line)

    def keyword(self, head: str) -> str:
        archetype = self.archetypes.get(head)
        return archetype.base if archetype else head

    def archetypes_block(self) -> None:
        while self.i < len(self.lines):
            _, tokens = self.lines[self.i]
            self.i += 1
            words = [v for _, v in tokens]
            if words == ["}"]:
                return
            if len(words) >= 3 and words[1] == "=":
                base = self.keyword(words[2].lower())
                archetype = _Archetype(base)
                parent = self.archetypes.get(words[2].lower())
                if parent:
                    archetype.technology, archetype.tags = parent.technology, parent.tags
                self.archetypes[words[0].lower()] = archetype
                if words[-1] == "{":
                    while self.i < len(self.lines):
                        _, inner = self.lines[self.i]
                        self.i += 1
                        iw = [v for _, v in inner]
                        if iw == ["}"]:
                            break
                        if iw[0].lower() == "technology" and len(iw) > 1:
                            archetype.technology = _unquote(iw[1])
                        elif iw[0].lower() in ("tag", "tags") and len(iw) > 1:
                            archetype.tags += tuple(t.strip() for t in _unquote(iw[1]).split(","))

    def element(self, keyword: str, head: str, ident: str | None, tokens: list[tuple[str, str]],
                scope: C4Node | None, line: int) -> C4Node:  # fmt: skip
        strings = [_unquote(v) for k, v in tokens[1:] if k == "str"]
        archetype = self.archetypes.get(head)
        if ident is None:
            self.anonymous += 1
            ident = f"_{keyword}{self.anonymous}"
        title = strings[0] if strings else ident
        node = C4Node(name=ident, kind=keyword, title=title, where=self.where(line), parent=scope)
        node.description = strings[1] if len(strings) > 1 else ""
        rest = strings[2:]
        if keyword in ("container", "component") and rest:
            node.technology, rest = rest[0], rest[1:]
        if archetype is not None:
            node.technology = node.technology or archetype.technology
            node.tags += list(archetype.tags)
        if rest:
            node.tags += [t.strip() for t in rest[0].split(",") if t.strip()]
        (scope.children if scope is not None else self.tree.roots).append(node)
        return node

    def relation(self, tokens: list[tuple[str, str]], scope: C4Node | None, line: int) -> None:
        kinds = [k for k, _ in tokens]
        at = kinds.index("arrow")
        if tokens[at][1] != "->":
            return  # "-/>" removes an implied relationship: nothing to add
        src = tokens[at - 1][1] if at > 0 else "this"
        if at + 1 >= len(tokens) or kinds[at + 1] != "word":
            raise ImportInputError.one("a relationship needs a destination", self.file, line)
        dst = tokens[at + 1][1]
        strings = [_unquote(v) for k, v in tokens[at + 2 :] if k == "str"]
        self.tree.relations.append(
            C4Relation(
                src=src,
                dst=dst,
                title=strings[0] if strings else "",
                technology=strings[1] if len(strings) > 1 else "",
                scope=scope,
                where=self.where(line),
            )
        )


def import_structurizr(
    files: list[SourceFile], *, name: str | None = None
) -> tuple[dict, ImportReport]:
    if len(files) != 1:
        raise ImportInputError.one(
            f"a Structurizr import reads one workspace.dsl file, got {len(files)}"
        )
    f = files[0]
    try:
        text = f.content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInputError.one("not UTF-8 text", f.name) from None
    report = ImportReport()
    tree = _Reader(text, f.name, report).read()
    if not tree.roots:
        raise ImportInputError.one("the workspace's model has no elements", f.name)
    classify(tree, person_kinds={"person"}, system_kinds={"softwaresystem"})
    b = DocumentBuilder(
        name or tree.title or f.name.rsplit(".", 1)[0], report, title=tree.title or None
    )
    return build(tree, b, report, "Structurizr"), report
