"""One palette and one set of shapes for every view.

Kinds never use red or amber: those two colours mean "this element has an error / a warning".
"""

from __future__ import annotations

FONT = "Helvetica,Arial,sans-serif"
INK = "#1f2937"  # text
MUTED = "#64748b"  # secondary text, ordinary edges
GHOST = "#94a3b8"

ERROR = "#dc2626"
ERROR_FILL = "#fee2e2"
WARNING = "#d97706"
WARNING_FILL = "#fef3c7"
SEVERITY_RANK = {"error": 3, "warning": 2, "info": 1}

# kind -> (label in the legend, shape, fill, border, extra style)
NODE_STYLES: dict[str, tuple[str, str, str, str, str]] = {
    "person": ("person (actor)", "ellipse", "#ede9fe", "#6d28d9", ""),
    "system": ("external client", "box", "#f5f3ff", "#6d28d9", "rounded"),
    "frontend": ("frontend", "tab", "#dcfce7", "#15803d", ""),
    "gateway": ("gateway", "hexagon", "#e0e7ff", "#4338ca", ""),
    "service": ("service", "box", "#dbeafe", "#1d4ed8", "rounded"),
    "worker": ("worker", "component", "#e0f2fe", "#0369a1", ""),
    "external": ("external system", "box", "#f1f5f9", "#475569", "rounded,dashed"),
    "collapsed": ("other internal services", "folder", "#f1f5f9", "#334155", ""),
    "datastore": ("datastore", "cylinder", "#ccfbf1", "#0f766e", ""),
    "team": ("team (all its services)", "box", "#f1f5f9", "#334155", "rounded"),
    "event": ("event", "cds", "#fae8ff", "#a21caf", ""),
    "broker": ("broker", "box3d", "#fdf4ff", "#86198f", ""),
    "cut": ("cycle cut: already on the path", "box", "#ffffff", "#64748b", "rounded,dashed"),
}

# kind -> (label in the legend, colour, style, arrowhead, dir)
EDGE_STYLES: dict[str, tuple[str, str, str, str, str]] = {
    "call": ("synchronous call", "#475569", "solid", "normal", "forward"),
    "route": ("gateway route", "#4338ca", "dashed", "normal", "forward"),
    "actor": ("call from outside", "#6d28d9", "solid", "normal", "forward"),
    "own": ("owns (reads/writes)", "#0f766e", "bold", "normal", "both"),
    "read": ("reads", "#0f766e", "dashed", "normal", "back"),
    "write": ("writes", "#0f766e", "solid", "normal", "forward"),
    "read-write": ("reads and writes", "#0f766e", "solid", "normal", "both"),
    "foreign": ("foreign access (not the owner)", "#7c3aed", "dashed", "normal", "forward"),
    "publish": ("publishes", "#a21caf", "solid", "normal", "forward"),
    "subscribe": ("delivered to subscriber", "#a21caf", "dashed", "normal", "forward"),
    "flow": ("event flow (publisher to subscriber)", "#a21caf", "solid", "normal", "forward"),
    "teamlink": (
        "interactions between two teams (width: how many)",
        "#7c3aed99",
        "solid",
        "none",
        "none",
    ),
    "data": ("uses data owned by", "#0f766e", "dashed", "normal", "forward"),
    "access": ("reads or writes", "#0f766e", "solid", "normal", "forward"),
    "cut": ("call back onto the path (not followed)", "#64748b", "dotted", "normal", "forward"),
}
CROSS_TEAM = "#7c3aed"

# cluster kind -> (fill, border, style, label colour)
CLUSTER_STYLES: dict[str, tuple[str, str, str, str]] = {
    "boundary": ("#ffffff", "#334155", "rounded,dashed,bold", "#334155"),
    "domain": ("#f8fafc", "#cbd5e1", "rounded,filled", "#334155"),
    "team": ("#f8fafc", "#cbd5e1", "rounded,filled", "#334155"),
    "broker": ("#fdf4ff", "#e9d5ff", "rounded,filled", "#86198f"),
    "none": ("#ffffff", "#e2e8f0", "rounded,dashed", MUTED),
}

# Call marks: symbols that DejaVu/Liberation (the PNG fonts) and browsers all have.
MARK_TIMEOUT = "◷"
MARK_RETRIES = "↻"
MARK_BREAKER = "⚡"

# Blast-radius colouring (``workbench diagram --colour blast-radius``): level 1-4 = the share of
# the journeys an element's failure fails, up to 25 %, 50 %, 75 %, 100 % (ColorBrewer Purples).
HEAT_FILLS = ("#efedf5", "#bcbddc", "#9e9ac8", "#756bb1")
HEAT_BORDER = "#54278f"
HEAT_DARK = 4  # from this level on, a node's text is light

# The journey view's latency states: a node's nominal (worst) latency from there on against the
# journey's target. Red and amber, as for findings: `journey-latency-over-target` is an error
# when the nominal latency is over the target and a warning when only the worst case is.
LATENCY_OVER = "latency-over"
LATENCY_WORST_OVER = "latency-worst-over"
LATENCY_OK = "latency-ok"
