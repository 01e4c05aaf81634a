"""SVG post-processing: make Graphviz's SVG safe to inline and easy to script.

`SvgFinisher` takes the SVG piece by piece as Graphviz writes it. Its fast path accepts only
markup Graphviz itself writes (an allowlist of tags and entities; no handlers, links or styles)
and adds the data attributes; anything else sends the whole SVG down the structural path.

Model text is already escaped in the DOT, so Graphviz can only emit it as character data. This is
the second line of defence; the structural path works on the parsed SVG:
- elements that can run script or pull in content (script, foreignObject, iframe, animation and
  `set` elements, ...) are removed;
- every `on*` attribute is removed; href/xlink:href values other than local `#fragments` are
  removed; `style` attributes mentioning `url(`/`javascript:`/`expression(` are removed;
- the DOCTYPE and comments (which repeat node names) are dropped.
Then each node, edge and cluster group gets `data-id` (the element id, or "a->b" for an edge),
`data-kind` and `data-severity`, for the browser to make it clickable.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from .errors import RenderFailed
from .graph import Diagram, Edge

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)

_FORBIDDEN = {
    "script",
    "foreignobject",
    "iframe",
    "object",
    "embed",
    "handler",
    "listener",
    "set",
    "animate",
    "animatemotion",
    "animatetransform",
    "animatecolor",
    "use",
    "image",
}
_BAD_STYLE = re.compile(r"url\s*\(|javascript:|expression\s*\(", re.I)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>]*>", re.I | re.S)
_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>", re.S)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def _clean_tree(root: ET.Element) -> int:
    removed = 0
    for parent in root.iter():
        for child in list(parent):
            if not isinstance(child.tag, str) or _local(child.tag) in _FORBIDDEN:
                parent.remove(child)
                removed += 1
    for el in root.iter():
        for attr in list(el.attrib):
            name = _local(attr)
            value = el.attrib[attr]
            if (
                name.startswith("on")
                or (name == "href" and not value.startswith("#"))
                or (name == "style" and _BAD_STYLE.search(value))
            ):
                del el.attrib[attr]
                removed += 1
    return removed


def _annotate(root: ET.Element, diagram: Diagram) -> None:
    edges = {e.dot_id: e for e in diagram.edges}
    for g in root.iter(f"{{{SVG_NS}}}g"):
        gid = g.get("id", "")
        if gid.startswith("node-"):
            node = diagram.nodes.get(gid[5:])
            if node is not None:
                g.set("data-id", node.element or node.id)
                g.set("data-kind", node.kind)
                if node.severity:
                    g.set("data-severity", node.severity)
        elif gid.startswith("edge-"):
            edge = edges.get(gid)
            if edge is not None:
                g.set("data-id", edge.data_id)
                g.set("data-kind", edge.kind)
                if edge.severity:
                    g.set("data-severity", edge.severity)
        elif gid.startswith("cluster-"):
            g.set("data-id", gid.split("-", 2)[-1])


def _finish_svg_tree(raw: bytes, diagram: Diagram) -> bytes:
    """The slow, structural path: parse, drop anything unsafe, annotate, serialise."""
    body = _DOCTYPE.sub(b"", _XML_DECL.sub(b"", raw, count=1), count=1)
    try:
        parser = ET.XMLParser()  # noqa: S314 - expat: no external entities, no DTD fetching
        root = ET.fromstring(body, parser=parser)  # noqa: S314 - see the module docstring
    except ET.ParseError as exc:
        raise RenderFailed(f"Graphviz produced invalid SVG: {exc}") from None
    _clean_tree(root)
    _annotate(root, diagram)
    root.set("class", f"wb-diagram wb-view-{diagram.view}")
    root.set("data-view", diagram.view)
    out = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + out + "\n").encode("utf-8")


# Graphviz escapes `>` inside its comments; a comment this misses is no tag Graphviz writes, so
# it sends the SVG down the structural path (which drops every comment).
_COMMENT = re.compile(rb"<!--[^>]*-->")
_GROUP = re.compile(rb'<g id="([^"]*)" class="([^"]*)">')
_SPACE = re.compile(rb"\s*")
# The fast path runs only when the markup is what Graphviz writes for our DOT; anything else
# (a tag, attribute or entity it does not write) sends the SVG down the structural path, which
# keeps only what is safe. Everything works on bytes: Graphviz writes UTF-8, every pattern is
# ASCII, and a str holding one non-ASCII character would make each scan several times slower.
_GRAPHVIZ_TAG = re.compile(
    rb"<(?!/|(?:svg|g|title|a|path|polygon|polyline|ellipse|text|defs|linearGradient"
    rb"|radialGradient|stop)[\s/>])"
)
# Graphviz writes no event handlers, links or style attributes; these run on the lower-cased
# markup (a case-insensitive pattern is several times slower), and may also match plain text,
# where they are harmless and merely cost the slow path.
# Each pattern starts with a literal, so the regex engine can skip ahead to candidates; the
# look-behind after it checks that the word starts there.
_HANDLER = re.compile(rb"on(?<![\w.-]on)[\w.:-]*\s*=")
_HREF = re.compile(rb"href\s*=")
_STYLE = re.compile(rb"style(?<![\w.-]style)\s*=")
_SUSPECT_STYLE = re.compile(rb"url\s*\(|javascript:|expression\s*\(")
# Only the entities Graphviz itself writes, so no word above can hide behind `&#...;`.
_ODD_ENTITY = re.compile(rb"&(?!(?:#45|amp|lt|gt|quot|#10|apos|#13|#9|#39|#34|#160);)")


def _fast_scan_ok(body: bytes) -> bool:
    """True when every tag is one Graphviz writes and no handler, link, style or odd entity
    appears anywhere in the markup."""
    if _GRAPHVIZ_TAG.search(body) is not None or _ODD_ENTITY.search(body) is not None:
        return False
    low = body.lower()
    if any(p.search(low) is not None for p in (_HANDLER, _HREF, _STYLE)):
        return False
    # Substring tests first: the regex only runs when one of its words is there at all.
    maybe_style = b"url" in low or b"javascript:" in low or b"expression" in low
    return not (maybe_style and _SUSPECT_STYLE.search(low))


class SvgFinisher:
    """Sanitise and annotate Graphviz's SVG as it arrives (`feed`), then `close` for the result.

    Graphviz writes the SVG progressively while it draws, so most of this work overlaps with
    its own. Each piece is cut after its last `>`: Graphviz escapes `>` everywhere else, so a
    cut never splits a comment or a tag, and no pattern below contains `>`, so none can match
    across a cut. The fast path checks each piece with regular expressions and adds the data
    attributes in one substitution; anything unexpected sends the whole SVG through the
    structural path instead.
    """

    def __init__(self, diagram: Diagram) -> None:
        self.diagram = diagram
        self._raw: list[bytes] = []
        self._out: list[bytes] = []
        self._carry = b""
        self._first = True
        self._in_head = True  # before `<svg`: the XML declaration and DOCTYPE are dropped
        self._fast = True
        self._extras = _group_extras(diagram)
        self._edges: dict[str, Edge] = {}

    def feed(self, chunk: bytes) -> None:
        self._raw.append(chunk)
        if not self._fast:
            return
        data = self._carry + chunk if self._carry else chunk
        cut = data.rfind(b">") + 1
        self._carry = data[cut:]
        if cut:
            self._piece(data[:cut])

    def _piece(self, piece: bytes) -> None:
        if self._in_head:
            if self._first:
                piece = _XML_DECL.sub(b"", piece, count=1)
                self._first = False
            piece = _DOCTYPE.sub(b"", piece, count=1)
            self._in_head = b"<svg" not in piece
        piece = _COMMENT.sub(b"", piece)
        if not _fast_scan_ok(piece):
            self._fast = False
            self._out.clear()
            return
        self._out.append(_GROUP.sub(self._annotate, piece))

    def _annotate(self, m: re.Match[bytes]) -> bytes:
        extra = self._extras.get(m.group(1))
        if extra is None:  # a cluster, or an id Graphviz escaped differently than expected
            raw_id = m.group(1).decode("utf-8", "replace")
            if not self._edges:
                self._edges.update((e.dot_id, e) for e in self.diagram.edges)
            gid = html.unescape(raw_id) if "&" in raw_id else raw_id
            extra = _extra_for(gid, self.diagram, self._edges)
        return m.group(0)[:-1] + extra + b">" if extra else m.group(0)

    def close(self) -> bytes:
        """The finished SVG; raises RenderFailed if it is not well-formed."""
        if self._carry.strip():
            self._fast = False  # text after the last tag: left to the structural path
        if not self._fast:
            return _finish_svg_tree(b"".join(self._raw), self.diagram)
        # One join and one copy into the result: the SVG of a large view is megabytes, and this
        # runs after Graphviz has finished, so every copy is waited for.
        body = b"".join(self._out)
        start = _SPACE.match(body).end()  # type: ignore[union-attr]  # \s* always matches
        end = len(body)
        while end > start and body[end - 1] in b" \t\r\n":
            end -= 1
        if not body.startswith(b"<svg ", start):
            return _finish_svg_tree(b"".join(self._raw), self.diagram)
        view = html.escape(self.diagram.view).encode("utf-8")
        head = (
            b'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            b'<svg class="wb-diagram wb-view-' + view + b'" data-view="' + view + b'" '
        )
        return b"".join((head, memoryview(body)[start + 5 : end], b"\n"))


def finish_svg(raw: bytes, diagram: Diagram) -> bytes:
    """Sanitise and annotate a whole SVG at once (see `SvgFinisher`)."""
    finisher = SvgFinisher(diagram)
    finisher.feed(raw)
    return finisher.close()


_XML_SPECIAL = frozenset("&<>\"'")


def _esc(text: str) -> str:
    """XML-escape; ids are slugs, so almost always there is nothing to do."""
    return html.escape(text) if not _XML_SPECIAL.isdisjoint(text) else text


def _graphviz_id(text: str) -> bytes:
    """An id as Graphviz writes it in SVG (XML-escaped, `-` as `&#45;`)."""
    return _esc(text).replace("-", "&#45;").encode("utf-8")


def _group_extras(diagram: Diagram) -> dict[bytes, bytes]:
    """The data attributes for each node and edge group, keyed by its id as Graphviz writes it."""
    out = {}
    for node in diagram.nodes.values():
        out[_graphviz_id("node-" + node.id)] = _data(
            node.element or node.id, node.kind, node.severity
        )
    for edge in diagram.edges:
        out[_graphviz_id(edge.dot_id)] = _data(edge.data_id, edge.kind, edge.severity)
    return out


def _extra_for(gid: str, diagram: Diagram, edges: dict[str, Edge]) -> bytes:
    if gid.startswith("node-") and gid[5:] in diagram.nodes:
        node = diagram.nodes[gid[5:]]
        return _data(node.element or node.id, node.kind, node.severity)
    if gid in edges:
        edge = edges[gid]
        return _data(edge.data_id, edge.kind, edge.severity)
    if gid.startswith("cluster-"):
        return _data(gid.split("-", 2)[-1], None, None)
    return b""


def _data(element: str, kind: str | None, severity: str | None) -> bytes:
    out = f' data-id="{_esc(element)}"'
    if kind:
        out += f' data-kind="{_esc(kind)}"'
    if severity:
        out += f' data-severity="{_esc(severity)}"'
    return out.encode("utf-8")


def svg_is_safe(svg: bytes | str) -> bool:
    """True when the SVG has no script-capable elements or `on*` attributes (used in tests and as
    a final guard)."""
    data = svg if isinstance(svg, bytes) else svg.encode("utf-8")
    try:
        root = ET.fromstring(_DOCTYPE.sub(b"", _XML_DECL.sub(b"", data, count=1)))  # noqa: S314
    except ET.ParseError:
        return False
    for el in root.iter():
        if not isinstance(el.tag, str) or _local(el.tag) in _FORBIDDEN:
            return False
        for attr, value in el.attrib.items():
            name = _local(attr)
            if name.startswith("on") or (name == "href" and not value.startswith("#")):
                return False
    return True
