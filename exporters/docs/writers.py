"""HTML and Markdown for the document's pages (``content``). Every piece of model text goes
through ``html.escape`` (HTML) or ``md`` (Markdown, which is also HTML-escaped, so renderers
that allow inline HTML get none from the model); links come from ``Link``s only."""

from __future__ import annotations

import html
import posixpath
import re

from .content import Image, Inline, Link, Page, Section, Table

CSS = """
:root { --ink: #0f172a; --muted: #475569; --line: #cbd5e1; --accent: #1d4ed8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0; display: grid; grid-template-columns: 15rem 1fr; min-height: 100vh; }
nav { background: #f8fafc; border-right: 1px solid var(--line); padding: 1rem; font-size: 14px; }
nav a { display: block; color: var(--ink); text-decoration: none; padding: .15rem 0; }
nav a:hover, a { color: var(--accent); }
main { padding: 1.5rem 2.5rem; max-width: 75rem; }
h1 { margin-top: 0; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
img { max-width: 100%; height: auto; border: 1px solid var(--line); }
footer { color: var(--muted); font-size: 12px; margin-top: 3rem; }
@media print {
  body { display: block; font-size: 11pt; }
  nav { display: none; }
  main { padding: 0; max-width: none; }
  a { color: inherit; text-decoration: none; }
  h2 { break-after: avoid; } table, img { break-inside: avoid; }
}
"""


def page_path(key: str, ext: str) -> str:
    return ("README" if key == "index" and ext == "md" else key) + f".{ext}"


def href(link: Link, from_key: str, ext: str) -> str:
    here = posixpath.dirname(page_path(from_key, ext))
    target = posixpath.relpath(page_path(link.page, ext), here or ".")
    return target + (f"#{link.anchor}" if link.anchor else "")


# ---------------------------------------------------------------- HTML


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_inline(cells: Inline | str | Link, key: str) -> str:
    if isinstance(cells, str):
        return _h(cells)
    if isinstance(cells, Link):
        return f'<a href="{_h(href(cells, key, "html"))}">{_h(cells.text)}</a>'
    return "".join(_html_inline(c, key) for c in cells)


def _html_block(block: Inline | Table | Image, key: str) -> str:
    if isinstance(block, Table):
        head = "".join(f"<th>{_h(h)}</th>" for h in block.headers)
        thead = f"<thead><tr>{head}</tr></thead>" if any(block.headers) else ""
        rows = "".join(
            "<tr>" + "".join(f"<td>{_html_inline(c, key)}</td>" for c in row) + "</tr>"
            for row in block.rows
        )
        empty = "" if block.rows else f'<tr><td colspan="{len(block.headers)}">none</td></tr>'
        return f"<table>{thead}<tbody>{rows}{empty}</tbody></table>"
    if isinstance(block, Image):
        if not block.src:  # drawn without Graphviz: the view's Mermaid source, as text
            return f"<figure><pre>{_h(block.mermaid)}</pre><figcaption>{_h(block.alt)}</figcaption></figure>"
        src = posixpath.relpath(block.src, posixpath.dirname(page_path(key, "html")) or ".")
        return f'<figure><img src="{_h(src)}" alt="{_h(block.alt)}"><figcaption>{_h(block.alt)}</figcaption></figure>'
    return f"<p>{_html_inline(block, key)}</p>"


def to_html(page: Page, pages: list[Page], site_title: str) -> str:
    css = posixpath.relpath("style.css", posixpath.dirname(page_path(page.key, "html")) or ".")
    nav = "".join(
        f'<a href="{_h(href(Link(p.title, p.key), page.key, "html"))}">{_h(p.title)}</a>'
        for p in pages
        if "/" not in p.key or p.key == "services/index"
    )
    body = [f"<h1>{_h(page.title)}</h1>"]
    for section in page.sections:
        body.append(_html_section(section, page.key))
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; style-src 'self'\">"
        f"<title>{_h(page.title)} — {_h(site_title)}</title>"
        f'<link rel="stylesheet" href="{_h(css)}"></head>'
        f"<body><nav><strong>{_h(site_title)}</strong>{nav}</nav><main>"
        + "\n".join(body)
        + "<footer>Generated from the workbench/v1 model by the Architecture Workbench.</footer>"
        "</main></body></html>\n"
    )


def _html_section(section: Section, key: str) -> str:
    anchor = f' id="{_h(section.anchor)}"' if section.anchor else ""
    blocks = "\n".join(_html_block(b, key) for b in section.blocks)
    return f"<section{anchor}><h2>{_h(section.title)}</h2>\n{blocks}</section>"


# ---------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>~-])")


def md(text: str) -> str:
    """Model text for Markdown: one line, HTML-escaped, Markdown punctuation backslashed."""
    one = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", html.escape(one, quote=False))


def _md_inline(cells: Inline | str | Link, key: str) -> str:
    if isinstance(cells, str):
        return md(cells)
    if isinstance(cells, Link):
        return f"[{md(cells.text)}]({href(cells, key, 'md')})"
    return "".join(_md_inline(c, key) for c in cells)


def _md_block(block: Inline | Table | Image, key: str) -> str:
    if isinstance(block, Table):
        lines = ["| " + " | ".join(md(h) or " " for h in block.headers) + " |"]
        lines.append("|" + "---|" * len(block.headers))
        for row in block.rows:
            lines.append("| " + " | ".join(_md_inline(c, key) for c in row) + " |")
        if not block.rows:
            lines.append("| none |" + " |" * (len(block.headers) - 1))
        return "\n".join(lines)
    if isinstance(block, Image):
        if block.mermaid:
            return f"```mermaid\n{block.mermaid.rstrip()}\n```"
        src = posixpath.relpath(block.src, posixpath.dirname(page_path(key, "md")) or ".")
        return f"![{md(block.alt)}]({src})"
    return _md_inline(block, key)


def to_markdown(page: Page) -> str:
    back = (
        ""
        if page.key == "index"
        else f"[Contents]({href(Link('', 'index', 'contents'), page.key, 'md')})"
    )
    out = [f"# {md(page.title)}", ""] + ([back, ""] if back else [])
    for section in page.sections:
        if section.anchor:
            out.append(f'<a id="{section.anchor}"></a>')
        out += [f"## {md(section.title)}", ""]
        for block in section.blocks:
            out += [_md_block(block, page.key), ""]
    return "\n".join(out).rstrip() + "\n"
