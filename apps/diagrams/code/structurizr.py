"""The whole model as a Structurizr DSL workspace (C4): the people, the software system with
its containers, external systems, relationships; a system landscape and a containers view.

Identifiers are element ids with ``-`` as ``_`` (so ``workbench import --from structurizr``
gives the ids back), ``el_``-prefixed when that would be a DSL keyword, and the system's is
``sys_<model name>`` (model names and element ids are separate namespaces); names, descriptions
and technologies are escaped strings (``text.structurizr_string``).
"""

from __future__ import annotations

from apps.archmodel.types import Model

from .c4 import C4Element, c4_model
from .text import ident
from .text import structurizr_string as q

# DSL keywords (case-insensitive) an identifier must not be.
KEYWORDS = frozenset(
    [
        "workspace",
        "model",
        "views",
        "person",
        "softwaresystem",
        "container",
        "component",
        "group",
        "enterprise",
        "deploymentenvironment",
        "deploymentnode",
        "infrastructurenode",
        "softwaresysteminstance",
        "containerinstance",
        "element",
        "elements",
        "relationship",
        "relationships",
        "tags",
        "tag",
        "description",
        "technology",
        "url",
        "properties",
        "perspectives",
        "include",
        "exclude",
        "autolayout",
        "styles",
        "theme",
        "themes",
        "branding",
        "terminology",
        "configuration",
        "users",
        "animation",
        "title",
        "this",
        "archetypes",
        "instances",
        "healthcheck",
        "extends",
        "ref",
        "docs",
        "adrs",
        "identifiers",
        "impliedrelationships",
    ]
)
SHAPES = {
    "person": "Person",
    "datastore": "Cylinder",
    "broker": "Pipe",
    "frontend": "WebBrowser",
    "gateway": "Hexagon",
    "worker": "Component",
}


def element_ident(element: C4Element) -> str:
    name = ident(element.id)
    return f"el_{name}" if name in KEYWORDS else name


def to_structurizr(model: Model) -> str:
    c4 = c4_model(model)
    idents: dict[str, str] = {}
    system = ident(c4.id, "sys_")
    out = [f"workspace {q(c4.name)} {q(c4.description)} {{", "    model {"]
    for p in c4.people:
        idents[p.id] = element_ident(p)
        keyword = "person" if p.kind == "person" else "softwareSystem"
        out.append(
            f"        {idents[p.id]} = {keyword} {q(p.name)} {q(p.description)} {q(','.join(p.tags))}"
        )
    out.append(f"        {system} = softwareSystem {q(c4.name)} {q(c4.description)} {{")
    for c in c4.containers:
        idents[c.id] = element_ident(c)
        out.append(
            f"            {idents[c.id]} = container {q(c.name)} {q(c.description)} "
            f"{q(c.technology)} {q(','.join(c.tags))}"
        )
    out.append("        }")
    for e in c4.externals:
        idents[e.id] = element_ident(e)
        out.append(
            f"        {idents[e.id]} = softwareSystem {q(e.name)} {q(e.description)} "
            f"{q(','.join(['external', *e.tags[1:]]))}"
        )
    for r in c4.relationships:
        if r.src in idents and r.dst in idents:
            out.append(
                f"        {idents[r.src]} -> {idents[r.dst]} {q(r.description)} {q(r.technology)}"
            )
    out += [
        "    }",
        "    views {",
        '        systemLandscape "landscape" {',
        "            include *",
        "            autoLayout lr",
        "        }",
        f'        container {system} "containers" {{',
        "            include *",
        "            autoLayout lr",
        "        }",
        "        styles {",
    ]
    for tag, shape in SHAPES.items():
        out += [
            f'            element "{tag}" {{',
            f"                shape {shape}",
            "            }",
        ]
    out += [
        '            element "external" {',
        "                background #999999",
        "                color #ffffff",
        "            }",
        "        }",
        "    }",
        "}",
    ]
    return "\n".join(out) + "\n"
