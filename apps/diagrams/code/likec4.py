"""The whole model as a LikeC4 source file (C4): a specification of the element kinds, the model
(people, the system with its containers, external systems, relationships) and two views: the
landscape (``index``) and the system's containers.

Identifiers are element ids with ``-`` as ``_`` (element names must be unique among siblings;
ids are unique in the whole model), ``el_``-prefixed when that would be a LikeC4 keyword;
relationships use fully qualified names (``shop.orders``). Text is escaped
(``text.likec4_string``).
"""

from __future__ import annotations

from apps.archmodel.types import Model

from .c4 import C4Element, c4_model
from .text import ident
from .text import likec4_string as q

# Words of the LikeC4 grammar an element name must not be.
KEYWORDS = frozenset(
    [
        "model",
        "views",
        "view",
        "specification",
        "element",
        "tag",
        "relationship",
        "deployment",
        "deploymentnode",
        "dynamic",
        "extend",
        "import",
        "include",
        "exclude",
        "style",
        "this",
        "it",
        "title",
        "description",
        "technology",
        "link",
        "icon",
        "metadata",
        "global",
        "with",
        "of",
        "where",
        "and",
        "or",
        "not",
        "is",
        "kind",
        "shape",
        "color",
        "notation",
        "navigateto",
        "autolayout",
        "group",
        "instanceof",
        "node",
        "summary",
        "parallel",
        "par",
        "rank",
        "opacity",
        "border",
        "multiple",
        "size",
        "padding",
        "textsize",
        "iconcolor",
        "iconsize",
        "iconposition",
        "line",
        "head",
        "tail",
        "true",
        "false",
    ]
)


def name_of(element_id: str) -> str:
    name = ident(element_id)
    return f"el_{name}" if name in KEYWORDS else name


KINDS = {
    "person": "shape person",
    "client": "shape rectangle",
    "system": "shape rectangle",
    "external": "shape rectangle\n      color gray",
    "service": "shape rectangle",
    "gateway": "shape rectangle\n      color indigo",
    "frontend": "shape browser",
    "worker": "shape rectangle",
    "datastore": "shape storage\n      color green",
    "broker": "shape queue\n      color amber",
}


def _kind(element: C4Element) -> str:
    if element.kind == "person":
        return "person"
    if element.kind == "system":
        return "client"
    if element.kind == "external":
        return "external"
    tag = element.tags[0] if element.tags else "service"
    return tag if tag in KINDS else "service"


def _body(element: C4Element, pad: str) -> list[str]:
    lines = []
    if element.technology:
        lines.append(f"{pad}  technology {q(element.technology)}")
    if element.description:
        lines.append(f"{pad}  description {q(element.description)}")
    return lines


def to_likec4(model: Model) -> str:
    c4 = c4_model(model)
    system = ident(c4.id, "sys_")
    fqn: dict[str, str] = {}
    out = ["specification {"]
    for kind, style in KINDS.items():
        out += [f"  element {kind} {{", "    style {", f"      {style}", "    }", "  }"]
    out += ["}", "", "model {"]
    for p in c4.people:
        name = name_of(p.id)
        fqn[p.id] = name
        out.append(f"  {name} = {_kind(p)} {q(p.name)} {{")
        out += _body(p, "  ")
        out.append("  }")
    out.append(f"  {system} = system {q(c4.name)} {{")
    if c4.description:
        out.append(f"    description {q(c4.description)}")
    for c in c4.containers:
        name = name_of(c.id)
        fqn[c.id] = f"{system}.{name}"
        out.append(f"    {name} = {_kind(c)} {q(c.name)} {{")
        out += _body(c, "    ")
        out.append("    }")
    out.append("  }")
    for e in c4.externals:
        name = name_of(e.id)
        fqn[e.id] = name
        out.append(f"  {name} = external {q(e.name)} {{")
        out += _body(e, "  ")
        out.append("  }")
    out.append("")
    for r in c4.relationships:
        if r.src in fqn and r.dst in fqn:
            technology = f" {{\n    technology {q(r.technology)}\n  }}" if r.technology else ""
            out.append(f"  {fqn[r.src]} -> {fqn[r.dst]} {q(r.description)}{technology}")
    out += [
        "}",
        "",
        "views {",
        "  view index {",
        f"    title {q(c4.name + ' — landscape')}",
        "    include *",
        "  }",
        f"  view containers of {system} {{",
        f"    title {q(c4.name + ' — containers')}",
        "    include *",
        "  }",
        "}",
    ]
    return "\n".join(out) + "\n"
