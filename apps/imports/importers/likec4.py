"""LikeC4 sources (``*.c4``, one project's files) → ``workbench/v1``: the elements and
relationships of the ``model`` blocks (see ``c4tree`` for the mapping).

Read: the ``specification``'s element kinds (their ``shape``), element definitions
(``name = kind 'title' 'description'? 'technology'?`` and ``kind name ...``), nested elements,
``description``/``technology``/``title`` properties (also with ``:``), ``#tags``, relationships
(``a -> b 'title' 'technology'``, ``-[kind]->``, ``a .kind b``, ``-> b`` inside an element,
``this``/``it``), references by name or dotted path. Skipped: views, deployment, dynamic
views, styles, metadata, links and icons; ``extend`` blocks and ``import`` are reported. Nothing
named in the files is read or fetched.
"""

from __future__ import annotations

import re

from .builder import DocumentBuilder, Where
from .c4tree import C4Node, C4Relation, C4Tree, build, classify
from .report import ImportInputError, ImportReport
from .sources import SourceFile

TOKEN = re.compile(
    r"""(?P<nl>\n)|(?P<ws>[ \t\r\f]+)|(?P<lcomment>//[^\n]*)|(?P<bcomment>/\*.*?\*/)
    |(?P<tstr>'''.*?'''|\"\"\".*?\"\"\")
    |(?P<str>'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*")
    |(?P<arrow>-\[[\w-]+\]->|->|<->)
    |(?P<brace>[{}])|(?P<punct>[=:,;])
    |(?P<tag>\#[\w.-]+)
    |(?P<word>[^\s{}=:,;'"#]+(?::[^\s{}=,;'"#]+)*)""",
    re.S | re.X,
)
SKIP = {
    "views",
    "deployment",
    "dynamic",
    "global",
    "style",
    "metadata",
    "navigateto",
    "link",
    "icon",
    "notation",
}
PROPS = {"description", "technology", "title", "summary"}


def _unquote(token: str) -> str:
    body = token[3:-3] if token.startswith(("'''", '"""')) else token[1:-1]
    body = re.sub(r"\\(.)", r"\1", body)
    return " ".join(body.split())


Tok = tuple[str, str, int]  # kind, text, line


def _tokens(text: str, file: str) -> list[Tok]:
    out: list[Tok] = []
    pos, line = 0, 1
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ImportInputError.one(f"cannot read {text[pos : pos + 30]!r}", file, line)
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind not in ("ws", "lcomment", "bcomment"):
            out.append((kind, value, line))
        line += value.count("\n")
        pos = m.end()
    out.append(("nl", "\n", line))
    return out


class _Reader:
    def __init__(self, file: str, report: ImportReport, tree: C4Tree, kinds: dict[str, str]):
        self.file = file
        self.report = report
        self.tree = tree
        self.kinds = kinds  # element kind -> shape ("" when none)
        self.toks: list[Tok] = []
        self.i = 0
        self.anonymous = 0

    def statement(self) -> list[Tok]:
        """Tokens up to the end of the line or a ``{``/``}`` (included)."""
        out: list[Tok] = []
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            self.i += 1
            if tok[0] == "nl":
                if out:
                    return out
                continue
            out.append(tok)
            if tok[0] == "brace":
                return out
        return out

    def skip_block(self) -> None:
        depth = 1
        while self.i < len(self.toks) and depth:
            kind, value, _ = self.toks[self.i]
            self.i += 1
            if kind == "brace":
                depth += 1 if value == "{" else -1

    def read(self, text: str) -> None:
        self.toks = _tokens(text, self.file)
        self.i = 0
        while self.i < len(self.toks):
            st = self.statement()
            if not st:
                break
            head = st[0][1]
            opens = st[-1][1] == "{"
            if head == "specification" and opens:
                self.specification()
            elif head == "model" and opens:
                self.block(None)
            elif opens:
                self.skip_block()
                if head not in SKIP:
                    self.report.ignore(f"'{head}' block skipped", self.file, st[0][2])
            elif head == "import":
                self.report.ignore(
                    "'import' from another project not followed", self.file, st[0][2]
                )

    def specification(self) -> None:
        while self.i < len(self.toks):
            st = self.statement()
            if not st or st[0][1] == "}":
                return
            words = [v for _, v, _ in st]
            if words[0] == "element" and len(words) > 1:
                kind = words[1]
                self.kinds.setdefault(kind, "")
                if words[-1] == "{":
                    self.kinds[kind] = self.shape_of_block()
            elif words[-1] == "{":
                self.skip_block()

    def shape_of_block(self) -> str:
        """Read an element kind's (or element's) block for ``shape``; return it."""
        depth, shape = 1, ""
        while self.i < len(self.toks) and depth:
            kind, value, _ = self.toks[self.i]
            self.i += 1
            if kind == "brace":
                depth += 1 if value == "{" else -1
            elif value == "shape" and self.i < len(self.toks):
                shape = self.toks[self.i][1]
        return shape

    def block(self, scope: C4Node | None) -> None:
        while self.i < len(self.toks):
            st = self.statement()
            if not st or [v for _, v, _ in st] == ["}"]:
                return
            if st[0][1] == "extend":
                self.report.ignore(
                    f"'extend {st[1][1] if len(st) > 1 else ''}' not merged", self.file, st[0][2]
                )
            self._one(st, scope)

    def element(self, name: str, rest: list[Tok], scope: C4Node | None, line: int) -> C4Node:
        kind = rest[0][1]
        strings = [_unquote(v) for k, v, _ in rest[1:] if k in ("str", "tstr")]
        node = C4Node(
            name=name,
            kind=kind,
            title=strings[0] if strings else name,
            where=Where(self.file, line),
            parent=scope,
        )
        node.description = strings[1] if len(strings) > 1 else ""
        node.technology = strings[2] if len(strings) > 2 else ""
        node.shape = self.kinds.get(kind, "")
        node.tags = [v[1:] for k, v, _ in rest if k == "tag"]
        if kind not in self.kinds:
            self.report.guess(f"element kind '{kind}' is not in the specification", self.file, line)
        (scope.children if scope is not None else self.tree.roots).append(node)
        return node

    def element_body(self, node: C4Node) -> None:
        while self.i < len(self.toks):
            st = self.statement()
            if not st:
                return
            kinds = [k for k, _, _ in st]
            words = [v for _, v, _ in st]
            opens = words[-1] == "{"
            if words == ["}"]:
                return
            head = words[0]
            if head in PROPS and not opens:
                strings = [_unquote(v) for k, v, _ in st if k in ("str", "tstr")]
                if strings:
                    if head == "title":
                        node.title = strings[0]
                    elif head == "summary":
                        node.description = node.description or strings[0]
                    else:
                        setattr(node, head, strings[0])
                continue
            if head == "style" and opens:
                node.shape = self.shape_of_block() or node.shape
                continue
            if kinds[0] == "tag":
                node.tags += [v[1:] for k, v, _ in st if k == "tag"]
                continue
            self._one(st, node)  # nested elements and relationships

    def _one(self, st: list[Tok], scope: C4Node | None) -> None:
        """One element or relationship statement already read, inside ``scope``."""
        kinds = [k for k, _, _ in st]
        words = [v for _, v, _ in st]
        opens = words[-1] == "{"
        line = st[0][2]
        if words[0].lower() in SKIP or words[0] in PROPS:
            if opens:
                self.skip_block()
            return
        dotted = len(st) >= 3 and kinds[0] == "word" and re.fullmatch(r"\.[A-Za-z][\w-]*", words[1])
        if "arrow" in kinds or dotted:
            self.relation(st, scope)  # reads its own block
        elif len(st) > 2 and words[1] == "=":
            node = self.element(words[0], st[2:], scope, line)
            if opens:
                self.element_body(node)
        elif words[0] in self.kinds and len(st) > 1 and kinds[1] == "word":
            node = self.element(words[1], [st[0], *st[2:]], scope, line)
            if opens:
                self.element_body(node)
        elif opens:
            self.skip_block()

    def relation(self, st: list[Tok], scope: C4Node | None) -> None:
        kinds = [k for k, _, _ in st]
        if "arrow" in kinds:
            at = kinds.index("arrow")
            dst_at = at + 1
        else:  # "a .kind b"
            at, dst_at = 1, 2
        src = st[at - 1][1] if at > 0 and kinds[at - 1] == "word" else "this"
        if dst_at >= len(st) or kinds[dst_at] != "word":
            raise ImportInputError.one("a relationship needs a target", self.file, st[0][2])
        strings = [_unquote(v) for k, v, _ in st[dst_at + 1 :] if k in ("str", "tstr")]
        technology = strings[1] if len(strings) > 1 else ""
        if st[-1][1] == "{":
            technology = self.relation_body() or technology
        self.tree.relations.append(
            C4Relation(
                src=src,
                dst=st[dst_at][1],
                title=strings[0] if strings else "",
                technology=technology,
                scope=scope,
                where=Where(self.file, st[0][2]),
            )
        )

    def relation_body(self) -> str:
        """A relationship's block: its ``technology``, if any (the block is consumed)."""
        depth, technology = 1, ""
        while self.i < len(self.toks) and depth:
            kind, value, _ = self.toks[self.i]
            self.i += 1
            if kind == "brace":
                depth += 1 if value == "{" else -1
            elif value == "technology" and self.i < len(self.toks):
                nxt = self.toks[self.i]
                if nxt[1] == ":" and self.i + 1 < len(self.toks):
                    nxt = self.toks[self.i + 1]
                if nxt[0] in ("str", "tstr"):
                    technology = _unquote(nxt[1])
        return technology


def import_likec4(files: list[SourceFile], *, name: str | None = None) -> tuple[dict, ImportReport]:
    report = ImportReport()
    tree = C4Tree()
    kinds: dict[str, str] = {}
    texts = []
    for f in files:
        try:
            texts.append((f.name, f.content.decode("utf-8-sig")))
        except UnicodeDecodeError:
            raise ImportInputError.one("not UTF-8 text", f.name) from None
    # Specifications first (an element kind may be used before the file that declares it).
    ordered = sorted(texts, key=lambda t: ("specification" not in t[1][:2000], t[0]))
    for fname, text in ordered:
        _Reader(fname, report, tree, kinds).read(text)
    if not tree.roots:
        raise ImportInputError.one(
            "no LikeC4 model elements found (expected 'model { ... }')",
            files[0].name if files else None,
        )
    people = {k for k, shape in kinds.items() if shape == "person"} | {"actor", "person"}
    systems = {k for k in kinds if "system" in k.lower()} | {"system"}
    classify(tree, person_kinds=people, system_kinds=systems)
    base = name or (
        files[0].name.rsplit("/", 1)[-1].rsplit(".", 1)[0] if len(files) == 1 else "likec4"
    )
    b = DocumentBuilder(base, report)
    return build(tree, b, report, "LikeC4"), report
