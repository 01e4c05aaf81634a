"""The legend: an HTML table in its own cluster, listing what the diagram draws (node kinds,
edge styles, colour meanings) and a summary of the findings."""

from __future__ import annotations

from . import style as st
from .escape import html_text
from .graph import Diagram


def legend_lines(diagram: Diagram, labels: bool) -> list[str]:
    """An HTML table in its own cluster: kinds drawn, edge styles, colours, findings summary."""
    kinds = list(dict.fromkeys(n.kind for n in diagram.nodes.values()))
    edge_kinds = list(dict.fromkeys(e.kind for e in diagram.edges))
    rows = []
    for kind in kinds:
        name, _shape, fill, border, _extra = st.NODE_STYLES[kind]
        rows.append(
            f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" BORDER="1" WIDTH="22" HEIGHT="12"></TD>'
            f'<TD ALIGN="LEFT">{html_text(name)}</TD></TR>'
        )
    for kind in edge_kinds:
        name, colour, style, _a, _d = st.EDGE_STYLES[kind]
        glyph = {"dashed": "╌╌╌▶", "bold": "━━━▶"}.get(style, "───▶")
        rows.append(
            f'<TR><TD><FONT COLOR="{colour}">{glyph}</FONT></TD><TD ALIGN="LEFT">{html_text(name)}</TD></TR>'
        )
    if any(e.cross for e in diagram.edges):
        rows.append(
            f'<TR><TD><FONT COLOR="{st.CROSS_TEAM}">━━━▶</FONT></TD>'
            '<TD ALIGN="LEFT">crosses a team boundary</TD></TR>'
        )
    if any(n.shared for n in diagram.nodes.values()):
        rows.append('<TR><TD>◎</TD><TD ALIGN="LEFT">double border: shared datastore</TD></TR>')
    if any(n.ghost for n in diagram.nodes.values()):
        rows.append(
            f'<TR><TD BGCOLOR="#ffffff" COLOR="{st.GHOST}" BORDER="1"></TD>'
            '<TD ALIGN="LEFT">outside the filter (context)</TD></TR>'
        )
    if "call" in edge_kinds and diagram.view in ("dependencies", "context", "journey"):
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT">{st.MARK_TIMEOUT} timeout  {st.MARK_RETRIES} retries  '
            f"{st.MARK_BREAKER} circuit breaker</TD></TR>"
        )
    if diagram.heat_journeys:
        # Graphviz's HTML labels take no raw '%': the shares are written as fractions.
        for level, share in enumerate(("up to 1/4", "up to 1/2", "up to 3/4", "over 3/4"), 1):
            text = html_text(f"its failure fails {share} of {diagram.heat_journeys} journeys")
            rows.append(
                f'<TR><TD BGCOLOR="{st.HEAT_FILLS[level - 1]}" COLOR="{st.HEAT_BORDER}" '
                f'BORDER="1"></TD><TD ALIGN="LEFT">{text}</TD></TR>'
            )
    if diagram.colour_key is not None:  # coloured by something else than findings
        for fill, border, meaning in diagram.colour_key:
            rows.append(
                f'<TR><TD BGCOLOR="{fill}" COLOR="{border}" BORDER="2"></TD>'
                f'<TD ALIGN="LEFT">{html_text(meaning)}</TD></TR>'
            )
    else:
        rows.append(
            f'<TR><TD BGCOLOR="{st.ERROR_FILL}" COLOR="{st.ERROR}" BORDER="2"></TD>'
            '<TD ALIGN="LEFT">has an error</TD></TR>'
        )
        rows.append(
            f'<TR><TD BGCOLOR="{st.WARNING_FILL}" COLOR="{st.WARNING}" BORDER="2"></TD>'
            '<TD ALIGN="LEFT">has a warning</TD></TR>'
        )
        summary = html_text(diagram.summary or "findings not checked")
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><FONT COLOR="{st.MUTED}">Findings: {summary}</FONT></TD></TR>'
        )
    for note in diagram.legend_notes:
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><FONT COLOR="{st.MUTED}">{html_text(note)}</FONT></TD></TR>'
        )
    if diagram.hidden_findings:
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><FONT COLOR="{st.MUTED}">{diagram.hidden_findings} '
            "of them shown in other views</FONT></TD></TR>"
        )
    if not labels:
        rows.append(
            f'<TR><TD></TD><TD ALIGN="LEFT"><FONT COLOR="{st.MUTED}">edge details in tooltips '
            "(large diagram)</FONT></TD></TR>"
        )
    hover = "hover for details" if diagram.colour_key is not None else "hover for findings"
    rows.append(f'<TR><TD></TD><TD ALIGN="LEFT"><FONT COLOR="{st.MUTED}">{hover}</FONT></TD></TR>')
    # The title is a row of the table, not the cluster's label: neato and sfdp fit the cluster
    # tightly around its node, and a cluster label would be drawn over the first row.
    title = f'<TR><TD COLSPAN="2" ALIGN="LEFT"><FONT POINT-SIZE="10" COLOR="{st.MUTED}">Legend</FONT></TD></TR>'
    table = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="3" CELLPADDING="1">{title}{"".join(rows)}</TABLE>>'
    return [
        '  subgraph "cluster__legend" {',
        '    id="cluster-legend"; class="wb-cluster wb-legend"; label=""; margin=8;',
        f'    style="rounded,filled"; fillcolor="#ffffff"; color="#cbd5e1"; fontcolor="{st.MUTED}"; fontsize=10;',
        f'    "_legend" [id="legend" class="wb-legend" shape=plaintext style="" margin=0 fontsize=9 label={table}];',
        "  }",
    ]
