"""SVG post-processing: make Graphviz's SVG safe to inline and easy to script.

Model text is already escaped in the DOT, so Graphviz can only emit it as character data. This is
the second line of defence, applied structurally to the parsed SVG:
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
from .graph import Diagram

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
_DOCTYPE_S = re.compile(r"<!DOCTYPE[^>]*>", re.I | re.S)
_XML_DECL_S = re.compile(r"^\s*<\?xml[^>]*\?>", re.S)


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
                g.set("data-id", node.id)
                g.set("data-kind", node.kind)
                if node.severity:
                    g.set("data-severity", node.severity)
        elif gid.startswith("edge-"):
            edge = edges.get(gid)
            if edge is not None:
                g.set("data-id", f"{edge.src}->{edge.dst}")
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


_COMMENT = re.compile(r"<!--.*?-->", re.S)
_GROUP = re.compile(r'<g id="([^"]*)" class="([^"]*)">')
_TAG_NAME = re.compile(r"<[/\s]*([\w.:-]+)")
# Graphviz writes no event handlers and no links, so any `on*=` or `href=` (also inside text,
# where it is harmless) sends the SVG down the structural path, which keeps only what is safe.
# Both run on the lower-cased markup (a case-insensitive alternation is several times slower).
_SUSPECT_ATTR = re.compile(r"[\s:](?:on[\w.-]*|href)\s*=")
_SUSPECT_STYLE = re.compile(r"url\s*\(|javascript:|expression\s*\(")


def _fast_scan_ok(text: str) -> bool:
    """True when no unsafe element, attribute or style appears anywhere in the markup."""
    names = {n.rsplit(":", 1)[-1].lower() for n in set(_TAG_NAME.findall(text))}
    if names & _FORBIDDEN:
        return False
    low = text.lower()
    if _SUSPECT_ATTR.search(low) is not None:
        return False
    # Substring tests first: the regex only runs when one of its words is there at all.
    maybe_style = "url" in low or "javascript:" in low or "expression" in low
    return not (maybe_style and _SUSPECT_STYLE.search(low))


def finish_svg(raw: bytes, diagram: Diagram) -> bytes:
    """Sanitise and annotate Graphviz's SVG; raises RenderFailed if it is not well-formed.

    The fast path checks the markup with regular expressions and adds the data attributes in
    one substitution; anything unexpected sends the SVG through the structural path instead.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _finish_svg_tree(raw, diagram)
    text = _COMMENT.sub("", _DOCTYPE_S.sub("", _XML_DECL_S.sub("", text, count=1), count=1))
    if not _fast_scan_ok(text):
        return _finish_svg_tree(raw, diagram)
    nodes = diagram.nodes
    edges = {e.dot_id: e for e in diagram.edges}

    def annotate(m: re.Match[str]) -> str:
        raw_id = m.group(1)
        gid = html.unescape(raw_id) if "&" in raw_id else raw_id
        extra = ""
        if gid.startswith("node-") and gid[5:] in nodes:
            node = nodes[gid[5:]]
            extra = _data(node.id, node.kind, node.severity)
        elif gid in edges:
            edge = edges[gid]
            extra = _data(f"{edge.src}->{edge.dst}", edge.kind, edge.severity)
        elif gid.startswith("cluster-"):
            extra = _data(gid.split("-", 2)[-1], None, None)
        return f'<g id="{m.group(1)}" class="{m.group(2)}"{extra}>'

    text = _GROUP.sub(annotate, text)
    view = html.escape(diagram.view)
    text = text.replace("<svg ", f'<svg class="wb-diagram wb-view-{view}" data-view="{view}" ', 1)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n' + text.strip() + "\n"
    ).encode()


def _data(element: str, kind: str | None, severity: str | None) -> str:
    out = f' data-id="{html.escape(element)}"'
    if kind:
        out += f' data-kind="{html.escape(kind)}"'
    if severity:
        out += f' data-severity="{html.escape(severity)}"'
    return out


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
