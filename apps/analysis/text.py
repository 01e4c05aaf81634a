"""Text for people: ``workbench analyse`` and ``workbench simulate`` as tables (only the JSON
is a contract)."""

from __future__ import annotations

from typing import Any

BLAST_SHOWN = 10


def _ms(value: Any) -> str:
    return "unbounded" if value is None else f"{value:g}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return lines


def _target(journey: dict[str, Any], key: str, unit: str) -> str:
    target = journey.get("target") or {}
    return f"{target[key]:g}{unit}" if key in target else "-"


def analysis_text(result: dict[str, Any], *, model: str = "") -> str:
    journeys = result["journeys"]
    lines = [f"Journeys of {model} ({len(journeys)})" if model else f"Journeys ({len(journeys)})"]
    if journeys:
        lines += _table(
            [
                "journey",
                "entry",
                "nominal ms",
                "worst ms",
                "target ms",
                "avail %",
                "target %",
                "status",
                "cut",
            ],
            [
                [
                    j["id"],
                    j["entry"],
                    _ms(j["nominal_latency_ms"]),
                    _ms(j["worst_latency_ms"]),
                    _target(j, "latency_ms", ""),
                    f"{j['availability']:.4f}",
                    _target(j, "availability", ""),
                    j["status"],
                    ", ".join(j["cut"]),
                ]
                for j in journeys
            ],
        )
    else:
        lines.append("  no journeys: declare some, or add actors, frontends or gateway routes")
    blast = [r for r in result["blast_radius"] if r["failed"] or r["degraded"]]
    lines += ["", f"Blast radius (top {min(BLAST_SHOWN, len(blast))} of {len(blast)})"]
    if blast:
        lines += _table(
            ["element", "fails", "degrades", "failed journeys"],
            [
                [
                    r["element"],
                    str(len(r["failed"])),
                    str(len(r["degraded"])),
                    ", ".join(r["failed"][:4]) + (" ..." if len(r["failed"]) > 4 else ""),
                ]
                for r in blast[:BLAST_SHOWN]
            ],
        )
    findings = result["findings"]
    lines += ["", f"Findings ({len(findings)})"]
    for f in findings:
        mark = f" [suppressed: {f['suppression_reason']}]" if f["suppressed"] else ""
        lines.append(f"  {f['severity']} {f['rule']}: {f['message']}{mark}")
        lines.append(f"      fix: {f['fix']}")
    over = [j["id"] for j in journeys if j["status"] == "over-target"]
    lines += [
        "",
        f"{len(over)} journey(s) over target: {', '.join(over)}"
        if over
        else "every journey within target",
    ]
    return "\n".join(lines) + "\n"


def simulation_text(
    result: dict[str, Any], *, fail: list[str], slow: dict[str, float], model: str = ""
) -> str:
    scenario = [f"fail {x}" for x in fail] + [f"slow {x} +{ms:g} ms" for x, ms in slow.items()]
    lines = [
        f"What if: {', '.join(scenario) or 'nothing (baseline)'}" + (f" — {model}" if model else "")
    ]
    journeys = result["journeys"]
    if journeys:
        lines += _table(
            ["journey", "state", "reason", "nominal ms", "worst ms", "path"],
            [
                [
                    j["id"],
                    j["state"],
                    j["reason"] or "-",
                    _ms(j["nominal_latency_ms"]),
                    _ms(j["worst_latency_ms"]),
                    " > ".join(j["path"]),
                ]
                for j in journeys
            ],
        )
    hit = {x: s for x, s in result["elements"].items() if s != "ok"}
    lines += ["", "Elements not ok: " + (", ".join(f"{x} {s}" for x, s in hit.items()) or "none")]
    if result["amplification"]:
        lines.append(
            "Amplification (requests per journey request, worst case): "
            + ", ".join(f"{x} x{a:g}" for x, a in result["amplification"].items())
        )
    failed = [j["id"] for j in journeys if j["state"] == "failed"]
    lines += [
        "",
        f"{len(failed)} journey(s) failed: {', '.join(failed)}" if failed else "no journey failed",
    ]
    return "\n".join(lines) + "\n"
