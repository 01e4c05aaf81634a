"""The architecture document as data: pages of sections of blocks (paragraphs, tables, images,
Mermaid diagrams), built from the model and its findings. ``html`` and ``markdown`` write the
same content; every cell is plain model text (escaped by the writer) or a ``Link`` to a page and
anchor of the document, so links are built in one place and always resolve.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from apps.archmodel.types import Call, Model, Service


@dataclass(frozen=True)
class Link:
    text: str
    page: str  # page key, e.g. "services/orders"
    anchor: str = ""


Cell = str | Link
Inline = list[Cell]  # a run of text and links


@dataclass
class Table:
    headers: list[str]
    rows: list[list[Cell | Inline]]


@dataclass
class Image:
    src: str  # a bundle path relative to the site root (diagrams/x.svg)
    alt: str
    mermaid: str = ""  # the same view as Mermaid, for the Markdown


@dataclass
class Section:
    title: str
    anchor: str = ""
    blocks: list[Inline | Table | Image] = field(default_factory=list)


@dataclass
class Page:
    key: str  # "index", "services/orders", ...
    title: str
    sections: list[Section] = field(default_factory=list)


def _service_link(s: str) -> Link:
    return Link(s, f"services/{s}")


def _element_link(model: Model, ident: str) -> Cell:
    element = model.by_id.get(ident)
    kind = type(element).__name__ if element is not None else ""
    if kind == "Service":
        return _service_link(ident)
    if kind == "Datastore":
        return Link(ident, "data", f"ds-{ident}")
    if kind == "Event":
        return Link(ident, "communication", f"ev-{ident}")
    if kind == "Broker":
        return Link(ident, "stack", f"br-{ident}")
    return ident


def _resilience(c: Call) -> str:
    parts = [f"timeout {c.timeout_ms} ms" if c.timeout_ms else "no timeout"]
    if c.retries.max:
        backoff = f", backoff {c.retries.backoff_ms} ms" if c.retries.backoff_ms else ""
        parts.append(f"{c.retries.max} retries{backoff}{' + jitter' if c.retries.jitter else ''}")
    if c.circuit_breaker:
        cb = c.circuit_breaker
        parts.append(
            f"circuit breaker ({cb.failure_threshold} failures, reset {cb.reset_timeout_ms} ms)"
        )
    if c.fallback:
        parts.append(f"fallback: {c.fallback}")
    return "; ".join(parts)


def _tls(c: Call) -> str:
    tls = {True: "TLS", False: "no TLS", "mtls": "mTLS"}.get(c.tls, str(c.tls))
    return f"{tls}; identity {c.auth}"


def _target(model: Model, target: str) -> Cell | Inline:
    """A finding or suppression target: an element, or a call "a->b" (both ends linked)."""
    if "->" in target:
        ends = target.split("->")
        out: Inline = []
        for n, end in enumerate(ends):
            out += [_element_link(model, end)] + (["→"] if n < len(ends) - 1 else [])
        return out
    return _element_link(model, target)


def _replicas(s: Service) -> str:
    r = s.replicas
    if r.max > r.min:
        target = f" at {r.cpu_target}% CPU" if r.cpu_target else ""
        return f"{r.min} to {r.max} (autoscaling{target})"
    return str(r.min)


def _obs(s: Service) -> tuple[str, str, str]:
    o = s.observability
    return (
        o.logging or "not configured",
        "yes" if o.metrics else ("no" if o.metrics is False else "not configured"),
        "yes" if o.tracing else ("no" if o.tracing is False else "not configured"),
    )


def _journey_sections(model: Model) -> list[Section]:
    """Journeys against their budgets and the blast radius (``apps.analysis``, as
    ``workbench analyse``); none when the analysis cannot be made (a model it refuses)."""
    from apps.analysis.report import analysis_of
    from apps.archmodel import ModelInvalid

    try:
        analysis = analysis_of(model)
    except ModelInvalid:
        return []
    journeys = analysis.journeys_json()
    if not journeys:
        return []

    def figure(value: Any, unit: str) -> str:
        return "unbounded" if value is None else f"{value:,}{unit}"

    def target(j: dict[str, Any]) -> str:
        t = j.get("target") or {}
        parts = [
            f"{t['latency_ms']:,} ms" if "latency_ms" in t else "",
            f"{t['availability']} %" if "availability" in t else "",
        ]
        return " · ".join(p for p in parts if p) or "none"

    budget = Table(
        ["journey", "entry", "latency nominal / worst", "availability", "target", "state"],
        [
            [
                j["id"],
                _element_link(model, j["entry"]),
                f"{figure(j['nominal_latency_ms'], ' ms')} / {figure(j['worst_latency_ms'], ' ms')}",
                f"{j['availability']} %",
                target(j),
                j["status"],
            ]
            for j in journeys
        ],
    )
    blast = [b for b in analysis.blast_radius if b["failed"] or b["degraded"]][:20]
    radius = Table(
        ["element", "journeys it fails", "journeys it degrades"],
        [
            [
                _element_link(model, b["element"]),
                ", ".join(b["failed"]) or "none",
                ", ".join(b["degraded"]) or "none",
            ]
            for b in blast
        ],
    )
    return [
        Section("Journeys and their budgets", "journeys", [budget]),
        Section(
            "Blast radius (the elements whose failure fails most journeys)",
            "blast-radius",
            [radius],
        ),
    ]


def build_pages(model: Model, findings: list[Any], views: dict[str, Image]) -> list[Page]:
    by_element: dict[str, list[Any]] = defaultdict(list)
    for f in findings:
        for ident in {*(getattr(f, "elements", None) or []), f.target}:
            by_element[ident].append(f)
    publishers: dict[str, list[str]] = defaultdict(list)
    subscribers: dict[str, list[str]] = defaultdict(list)
    users: dict[str, list[tuple[str, str]]] = defaultdict(list)
    callers: dict[str, list[str]] = defaultdict(list)
    for s in model.services:
        for p in s.publishes:
            publishers[p.event].append(s.id)
        for sub in s.subscribes:
            subscribers[sub.event].append(s.id)
        for d in s.data:
            users[d.store].append((s.id, d.access))
        for c in s.calls:
            callers[c.to].append(s.id)

    def finding_rows(ident: str) -> Table | None:
        rows: list[list[Cell | Inline]] = [
            [
                f.severity + (" (suppressed)" if f.suppressed else ""),
                Link(f.rule, "decisions", f"rule-{f.rule}") if f.suppressed else f.rule,
                f.message,
                f.fix,
            ]
            for f in sorted(by_element.get(ident, []), key=lambda f: f.sort_key())
        ]
        return Table(["severity", "rule", "finding", "fix"], rows) if rows else None

    pages: list[Page] = []
    # --- overview
    overview = Page("index", model.title or model.name)
    intro: Inline = [model.description or f"The architecture of {model.title or model.name}."]
    counts = (
        f"{len(model.services)} services, {len(model.datastores)} datastores, "
        f"{len(model.brokers)} brokers, {len(model.events)} events, {len(model.actors)} actors."
    )
    overview.sections.append(Section("Overview", "overview", [intro, [counts]]))
    if "context" in views:
        overview.sections.append(
            Section(
                "Context",
                "context",
                [["Who uses the system and what it depends on outside."], views["context"]],
            )
        )
    contents = Table(["page", "about"], [
        [Link("Services", "services/index"), "one page per service: owner, APIs, calls, events, data, deployment"],
        [Link("Communication", "communication"), "synchronous calls and asynchronous events, with the model's examples"],
        [Link("Data", "data"), "datastores, the data ownership matrix, sagas and compensations"],
        [Link("Gateway and security", "security"), "routes, authentication, rate limits, service-to-service identity"],
        [Link("Fault tolerance and scaling", "resilience"), "per call and per service"],
        [Link("Monitoring and logging", "observability"), "coverage per service"],
        [Link("Technology stack", "stack"), "runtimes, datastores, brokers and their findings"],
        [Link("Decisions", "decisions"), "accepted findings: the architecture decision log"],
        [Link("Diagrams", "diagrams"), "every view"],
    ])  # fmt: skip
    overview.sections.append(Section("Contents", "contents", [contents]))
    pages.append(overview)

    # --- services
    index = Page("services/index", "Services")
    rows: list[list[Cell | Inline]] = [
        [_service_link(s.id), s.title or "", s.kind, s.domain or "", s.team or "", s.runtime]
        for s in model.services
    ]
    index.sections.append(
        Section(
            "All services",
            "all",
            [Table(["id", "title", "kind", "domain", "team", "runtime"], rows)],
        )
    )
    pages.append(index)
    for s in model.services:
        page = Page(f"services/{s.id}", s.title or s.id)
        facts = Table(["", ""], [
            ["id", s.id], ["kind", s.kind], ["domain", s.domain or "—"], ["owner team", s.team or "—"],
            ["runtime", s.runtime], ["description", s.description or "—"],
        ])  # fmt: skip
        page.sections.append(Section("Summary", "summary", [facts]))
        api_rows: list[list[Cell | Inline]] = []
        for api in s.apis:
            ops = ", ".join(
                (f"{o.method} {o.path}" if o.method else (o.name or "")) for o in api.operations
            )
            api_rows.append(
                [
                    api.id,
                    api.style,
                    api.version or "—",
                    "public" if api.public else "internal",
                    api.auth,
                    ops or "—",
                ]
            )
        if api_rows:
            page.sections.append(
                Section(
                    "APIs and operations",
                    "apis",
                    [
                        Table(
                            ["api", "style", "version", "exposure", "auth", "operations"], api_rows
                        )
                    ],
                )
            )
        call_rows: list[list[Cell | Inline]] = [
            [_element_link(model, c.to), c.protocol, c.operation or "—", _resilience(c), _tls(c)]
            for c in s.calls
        ]
        if call_rows:
            page.sections.append(
                Section(
                    "Calls",
                    "calls",
                    [
                        Table(
                            ["to", "protocol", "operation", "resilience", "tls/identity"], call_rows
                        )
                    ],
                )
            )
        if callers.get(s.id):
            page.sections.append(
                Section(
                    "Called by",
                    "callers",
                    [[x for c in callers[s.id] for x in (_service_link(c), " ")]],
                )
            )
        ev_rows: list[list[Cell | Inline]] = [
            [_element_link(model, p.event), "publishes", "outbox" if p.outbox else "—"]
            for p in s.publishes
        ]
        ev_rows += [
            [
                _element_link(model, sub.event),
                "subscribes",
                f"group {sub.group or '—'}; {'idempotent' if sub.idempotent else 'not idempotent'}",
            ]
            for sub in s.subscribes
        ]
        if ev_rows:
            page.sections.append(
                Section("Events", "events", [Table(["event", "direction", "how"], ev_rows)])
            )
        data_rows: list[list[Cell | Inline]] = [
            [_element_link(model, d.store), d.access] for d in s.data
        ]
        if data_rows:
            page.sections.append(
                Section("Data", "data", [Table(["datastore", "access"], data_rows)])
            )
        health = s.health
        deploy = Table(["", ""], [
            ["replicas", _replicas(s)], ["stateful", "yes" if s.stateful else "no"], ["port", str(s.port)],
            ["strategy", s.deploy.strategy], ["resources", f"cpu {s.deploy.cpu or '—'}, memory {s.deploy.memory or '—'}"],
            ["health", f"liveness {health.liveness or '—'}, readiness {health.readiness or '—'}" if health else "none"],
        ])  # fmt: skip
        page.sections.append(Section("Deployment and health", "deployment", [deploy]))
        logging, metrics, tracing = _obs(s)
        page.sections.append(
            Section(
                "Observability",
                "observability",
                [Table(["logging", "metrics", "tracing"], [[logging, metrics, tracing]])],
            )
        )
        table = finding_rows(s.id)
        if table is not None:
            page.sections.append(Section("Findings", "findings", [table]))
        pages.append(page)

    # --- communication
    comm = Page("communication", "Communication")
    sync_rows: list[list[Cell | Inline]] = [
        [_service_link(s.id), _element_link(model, c.to), c.protocol, c.operation or "—", _resilience(c)]
        for s in model.services for c in s.calls
    ]  # fmt: skip
    comm.sections.append(
        Section(
            "Synchronous calls",
            "sync",
            [
                ["Request/response between services, with the resilience each call has."],
                Table(["from", "to", "protocol", "operation (example)", "resilience"], sync_rows),
            ],
        )
    )
    comm.sections.append(
        Section(
            "Asynchronous events",
            "async",
            [
                [
                    "Events through brokers: publishers do not wait for consumers; each event below with its producers and consumers."
                ]
            ],
        )
    )
    for e in model.events:
        table = Table(["broker", "channel", "delivery", "publishers", "subscribers"], [[
            _element_link(model, e.broker), e.channel, e.delivery,
            [x for p in publishers[e.id] for x in (_service_link(p), " ")] or ["—"],
            [x for p in subscribers[e.id] for x in (_service_link(p), " ")] or ["—"],
        ]])  # fmt: skip
        blocks_e: list[Inline | Table | Image] = [[e.title or e.id], table]
        if e.schema is not None:
            blocks_e.append(
                ["Payload schema: ", json.dumps(e.schema, sort_keys=True, ensure_ascii=False)]
            )
        comm.sections.append(Section(f"Event {e.id}", f"ev-{e.id}", blocks_e))
    pages.append(comm)

    # --- data
    data = Page("data", "Data")
    stores = model.datastores
    matrix_rows: list[list[Cell | Inline]] = []
    for s in model.services:
        access = {d.store: d.access for d in s.data}
        matrix_rows.append(
            [
                _service_link(s.id),
                *[
                    ("owner " if st.owner == s.id else "") + access.get(st.id, "") or ""
                    for st in stores
                ],
            ]
        )
    data.sections.append(
        Section(
            "Ownership matrix",
            "matrix",
            [
                [
                    "Database per service: the owner writes the schema; others should go through its API."
                ],
                Table(["service", *[st.id for st in stores]], matrix_rows),
            ],
        )
    )
    for st in stores:
        rows_st: list[list[Cell | Inline]] = [["kind", st.kind], ["owner", _service_link(st.owner) if st.owner else "unowned"], ["replicas", str(st.replicas)],
                   ["used by", [x for u, a in users[st.id] for x in (_service_link(u), f" ({a}) ")] or ["—"]]]  # fmt: skip
        blocks: list[Inline | Table | Image] = [Table(["", ""], rows_st)]
        table = finding_rows(st.id)
        if table is not None:
            blocks.append(table)
        data.sections.append(Section(f"Datastore {st.id}", f"ds-{st.id}", blocks))
    for saga in model.sagas:
        steps: list[list[Cell | Inline]] = [
            [str(n), _service_link(step.service), step.action or "—", step.compensation or "none"]
            for n, step in enumerate(saga.steps, 1)
        ]
        data.sections.append(
            Section(
                f"Saga {saga.id}",
                f"saga-{saga.id}",
                [
                    [f"Coordination: {saga.coordination}."],
                    Table(["step", "service", "action", "compensation"], steps),
                ],
            )
        )
    pages.append(data)

    # --- security
    sec = Page("security", "Gateway and security")
    route_rows: list[list[Cell | Inline]] = [
        [_service_link(s.id), r.path, _service_link(r.to), r.auth, f"{r.rate_limit}/s" if r.rate_limit else "none"]
        for s in model.services for r in s.routes
    ]  # fmt: skip
    sec.sections.append(
        Section(
            "Gateway routes",
            "routes",
            [Table(["gateway", "path", "to", "auth", "rate limit"], route_rows)],
        )
    )
    ident_rows: list[list[Cell | Inline]] = [
        [_service_link(s.id), _element_link(model, c.to), _tls(c).split(";")[0], c.auth]
        for s in model.services
        for c in s.calls
    ]
    sec.sections.append(
        Section(
            "Service-to-service identity",
            "identity",
            [Table(["from", "to", "tls", "identity propagated"], ident_rows)],
        )
    )
    pages.append(sec)

    # --- resilience
    res = Page("resilience", "Fault tolerance and scaling")
    res.sections.append(
        Section(
            "Per call",
            "calls",
            [
                Table(
                    ["from", "to", "resilience"],
                    [
                        [_service_link(s.id), _element_link(model, c.to), _resilience(c)]
                        for s in model.services
                        for c in s.calls
                    ],
                )
            ],
        )
    )
    res.sections.append(
        Section(
            "Per service",
            "services",
            [
                Table(
                    ["service", "replicas", "stateful", "strategy"],
                    [
                        [
                            _service_link(s.id),
                            _replicas(s),
                            "yes" if s.stateful else "no",
                            s.deploy.strategy,
                        ]
                        for s in model.services
                    ],
                )
            ],
        )
    )
    res.sections.extend(_journey_sections(model))
    pages.append(res)

    # --- observability
    obs = Page("observability", "Monitoring and logging")
    obs.sections.append(
        Section(
            "Coverage",
            "coverage",
            [
                Table(
                    ["service", "logging", "metrics", "tracing", "health"],
                    [
                        [_service_link(s.id), *_obs(s), "yes" if s.health else "none"]
                        for s in model.services
                    ],
                )
            ],
        )
    )
    pages.append(obs)

    # --- stack
    stack = Page("stack", "Technology stack")
    runtimes: dict[str, list[str]] = defaultdict(list)
    for s in model.services:
        if s.kind != "external":
            runtimes[s.runtime].append(s.id)
    stack.sections.append(
        Section(
            "Runtimes",
            "runtimes",
            [
                Table(
                    ["runtime", "services"],
                    [
                        [rt, [x for i in ids for x in (_service_link(i), " ")]]
                        for rt, ids in sorted(runtimes.items())
                    ],
                )
            ],
        )
    )
    stack.sections.append(
        Section(
            "Datastores",
            "datastores",
            [
                Table(
                    ["datastore", "kind"],
                    [[_element_link(model, d.id), d.kind] for d in model.datastores],
                )
            ],
        )
    )
    for b in model.brokers:
        blocks_b: list[Inline | Table | Image] = [
            [f"{b.kind}, role {b.role}, {b.replicas} replica(s)."]
        ]
        table = finding_rows(b.id)
        if table is not None:
            blocks_b.append(table)
        stack.sections.append(Section(f"Broker {b.id}", f"br-{b.id}", blocks_b))
    pages.append(stack)

    # --- decisions
    dec = Page("decisions", "Decisions")
    adr: list[list[Cell | Inline]] = [
        [f"ADR-{n:03d}", Link(sup.rule, "decisions", f"rule-{sup.rule}"), _target(model, sup.target), sup.reason, sup.expires or "no expiry"]
        for n, sup in enumerate(model.suppressions, 1)
    ]  # fmt: skip
    dec.sections.append(
        Section(
            "Architecture decision log",
            "log",
            [
                [
                    "Every suppressed finding is an accepted decision: what was accepted, why, and until when."
                ],
                Table(["#", "rule", "target", "reason", "expires"], adr),
            ],
        )
    )
    from apps.rules.registry import get_rule

    for rule in sorted({sup.rule for sup in model.suppressions}):
        r = get_rule(rule)
        about = f"{r.title}: {r.summary}" if r is not None else "not a rule of this version"
        accepted = [f for f in findings if f.rule == rule and f.suppressed]
        rows_r: list[list[Cell | Inline]] = [
            [_target(model, f.target), f.message, f.suppression_reason or ""] for f in accepted
        ]
        dec.sections.append(
            Section(
                f"Rule {rule}",
                f"rule-{rule}",
                [[about], Table(["target", "finding accepted", "reason"], rows_r)],
            )
        )
    pages.append(dec)

    # --- diagrams
    diag = Page("diagrams", "Diagrams")
    for name, image in views.items():
        diag.sections.append(Section(image.alt, f"view-{name}", [image]))
    pages.append(diag)
    return pages
