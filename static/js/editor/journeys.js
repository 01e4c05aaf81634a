// The Journeys tab (beside Findings) and the canvas's what-if mode.
//
// Journeys: each journey of GET /models/<id>/analysis with its entry, latency (nominal / worst)
// against its target, availability against its target and its state, then the blast radius (the
// elements whose failure fails most journeys). Reloaded with the findings after every change.
// "Tree" on a journey opens the journey view (main.js: actions.openJourney).
//
// What-if: while on, a click on a node fails it (again: restores it); the bar sets "slow by N ms"
// for the node picked last. Each change asks GET /models/<id>/simulate (nothing is written) and
// paints every node and edge ok / degraded / failed (wi-* classes on the SVG groups); the
// journeys show their simulated states, and clicking a failed or degraded one highlights the
// path that explains it (wi-path). Leaving the mode removes every wi-* class: the view as it was.
import { request } from "./api.js";
import { h } from "./forms.js";
import { $, MODEL, state, actions } from "./store.js";

const WI_CLASSES = ["wi-ok", "wi-degraded", "wi-failed", "wi-cause", "wi-slowed", "wi-path"];
const BLAST_ROWS = 10;
const REASONS = { fail: "fails along", timeout: "times out along", hang: "hangs (no timeout) along" };

// The what-if scenario (fail ids, slow id → ms), its last answer, and timings for the tests.
const wi = { on: false, fail: new Set(), slow: new Map(), picked: null, result: null, focus: null, seq: 0, clickedAt: 0, paintedAt: 0 };
state.whatif = wi;
let analysis = null;
let analysisError = null;

const fmtMs = (v) => (v === null || v === undefined ? "unbounded" : `${Math.round(v).toLocaleString("en")} ms`);
const fmtPct = (v) => (v === null || v === undefined ? "—" : `${v} %`);

// --- the Journeys tab -------------------------------------------------------------------------

// A journey of the last analysis (the journey view's header reads its figures).
export function journeyOf(id) {
  return analysis ? analysis.journeys.find((j) => j.id === id) || null : null;
}
export function redrawJourneys() { renderJourneys(); }

export async function loadJourneys() {
  try {
    ({ body: analysis } = await request("GET", `${MODEL}/analysis`));
    analysisError = null;
  } catch (e) {
    analysis = null;
    analysisError = e.status === 422 ? "The model cannot be analysed as it is." : `Journeys unavailable: ${e.message}`;
  }
  if (wi.on) {
    // Ids that went away with this change leave the scenario.
    const known = (id) => state.index && state.index.byId.has(id);
    for (const id of [...wi.fail]) if (!known(id)) wi.fail.delete(id);
    for (const id of [...wi.slow.keys()]) if (!known(id)) wi.slow.delete(id);
    await simulate();
  } else {
    renderJourneys();
  }
}

function renderJourneys() {
  const body = $("ed-journeys-body");
  if (!body) return;
  if (analysisError) { body.replaceChildren(h("p", { class: "field-error", text: analysisError })); return; }
  if (!analysis) return;
  const sim = wi.on && wi.result ? new Map(wi.result.journeys.map((j) => [j.id, j])) : null;
  const rows = analysis.journeys.map((j) => journeyRow(j, sim && sim.get(j.id)));
  const counts = $("ed-journeys-summary");
  if (counts) {
    const bad = sim ? wi.result.journeys.filter((j) => j.state !== "ok").length : analysis.journeys.filter((j) => j.status !== "ok").length;
    counts.replaceChildren(h("span", { class: `count ${bad ? "count-error" : "count-ok"}`, title: sim ? `${bad} failed or degraded in the scenario` : `${bad} over target` }, `${bad}/${analysis.journeys.length}`));
  }
  const parts = [];
  if (wi.on) parts.push(h("p", { class: "jr-scenario", text: scenarioText() }));
  if (!analysis.journeys.length) parts.push(h("p", { class: "muted ed-empty", text: "No journeys: add an entry point (a frontend, a gateway or an actor) that calls services." }));
  else parts.push(h("ul", { class: "jr-list" }, ...rows));
  if (!wi.on) parts.push(blastTable());
  body.replaceChildren(...parts);
}

function scenarioText() {
  const bits = [...wi.fail].map((id) => `${id} failed`).concat([...wi.slow].map(([id, ms]) => `${id} slower by ${ms} ms`));
  return bits.length ? `What if ${bits.join(", ")}:` : "What if…: click elements on the diagram to fail them.";
}

function journeyRow(j, s) {
  const t = j.target || {};
  const lat = s || j; // in a scenario, the simulated latencies
  const overLat = t.latency_ms !== undefined && t.latency_ms !== null && lat.nominal_latency_ms > t.latency_ms;
  const overAv = t.availability !== undefined && t.availability !== null && j.availability < t.availability;
  const st = s ? s.state : j.status;
  const drawn = state.view === "journey" && state.journey === j.id;
  const li = h("li", { class: `jr jr-${st}${wi.focus === j.id ? " is-focused" : ""}${drawn ? " is-drawn" : ""}`, dataset: { journey: j.id, state: st } });
  const head = h("button", {
    type: "button", class: "jr-main",
    title: s && s.path.length ? "Highlight the path that explains this state" : `Select ${j.entry}`,
    onclick: () => {
      if (s && s.path.length) { wi.focus = wi.focus === j.id ? null : j.id; paint(); renderJourneys(); }
      else if (!wi.on) { const e = state.index && state.index.byId.get(j.entry); if (e) actions.select(e.key, { focus: false }); }
    },
  }, h("span", { class: `jr-state jr-state-${st}`, text: st }), h("strong", { class: "jr-id", text: j.id }), h("span", { class: "muted jr-entry", text: `from ${j.entry}` }));
  const draw = h("button", {
    type: "button", class: "button-ghost button-small jr-draw", dataset: { draw: j.id }, "aria-pressed": String(drawn),
    title: `Draw ${j.id}'s dependency tree: each call's timeout, retries and share of the budget`,
    onclick: () => actions.openJourney(j.id),
  }, "Tree");
  li.append(h("div", { class: "jr-head" }, head, draw));
  li.append(h("dl", { class: "jr-figures" },
    h("dt", { text: "Latency" }),
    h("dd", { class: overLat ? "jr-over" : "" }, `${fmtMs(lat.nominal_latency_ms)} · worst ${fmtMs(lat.worst_latency_ms)}`, t.latency_ms != null ? h("span", { class: "muted", text: ` / target ${fmtMs(t.latency_ms)}` }) : ""),
    h("dt", { text: "Availability" }),
    h("dd", { class: overAv ? "jr-over" : "" }, fmtPct(j.availability), t.availability != null ? h("span", { class: "muted", text: ` / target ${fmtPct(t.availability)}` }) : "")));
  if (s && s.state !== "ok") {
    const how = s.state === "degraded" ? "degraded (a fallback answers) along" : REASONS[s.reason] || "fails along";
    li.append(h("p", { class: "jr-path" }, `${how} `, ...s.path.flatMap((id, i) => [i ? " → " : "", h("code", { text: id })])));
  }
  return li;
}

function blastTable() {
  const rows = (analysis.blast_radius || []).filter((b) => b.failed.length || b.degraded.length).slice(0, BLAST_ROWS);
  const wrap = h("section", { class: "jr-blast", "aria-label": "Blast radius" }, h("h3", { text: "Blast radius" }));
  if (!rows.length) { wrap.append(h("p", { class: "muted", text: "No single failure fails a journey." })); return wrap; }
  const tbody = h("tbody", {}, ...rows.map((b) => {
    const e = state.index && state.index.byId.get(b.element);
    return h("tr", { dataset: { element: b.element } },
      h("td", {}, h("button", { type: "button", class: "link-button", disabled: !e, onclick: () => e && actions.select(e.key, { focus: false }) }, b.element)),
      h("td", { class: "num", title: b.failed.join(", ") || "none", text: String(b.failed.length) }),
      h("td", { class: "num", title: b.degraded.join(", ") || "none", text: String(b.degraded.length) }));
  }));
  wrap.append(h("table", { class: "jr-blast-table" },
    h("thead", {}, h("tr", {}, h("th", { text: "If this fails" }), h("th", { class: "num", text: "fails" }), h("th", { class: "num", text: "degrades" }))),
    tbody));
  wrap.append(h("p", { class: "muted jr-note", text: "Journeys failed / degraded by that element alone; hover a count for their names." }));
  return wrap;
}

// --- what-if mode -----------------------------------------------------------------------------

async function simulate() {
  const seq = ++wi.seq;
  const params = new URLSearchParams();
  if (wi.fail.size) params.set("fail", [...wi.fail].join(","));
  for (const [id, ms] of wi.slow) params.append("slow", `${id}=${ms}`);
  try {
    const { body } = await request("GET", `${MODEL}/simulate?${params}`);
    if (seq !== wi.seq || !wi.on) return;
    wi.result = body;
    if (wi.focus && !body.journeys.some((j) => j.id === wi.focus && j.path.length)) wi.focus = null;
  } catch (e) {
    if (seq !== wi.seq || !wi.on) return;
    wi.result = null;
    say(e.errors?.map((x) => x.message).join("; ") || e.message, "error");
  }
  paint();
  renderJourneys();
  renderBar();
  requestAnimationFrame(() => {
    if (seq !== wi.seq) return;
    wi.paintedAt = performance.now();
    $("ed-diagram").dataset.whatif = String(seq); // the tests wait for it
  });
}

// Paint the drawing from the last answer: every node and edge its state; the focused
// journey's path on top. Called again when the diagram is redrawn.
function paint() {
  const box = $("ed-diagram");
  const groups = box.querySelectorAll("g[data-id]");
  groups.forEach((g) => g.classList.remove(...WI_CLASSES));
  if (!wi.on || !wi.result) return;
  const states = wi.result.elements || {};
  const path = wi.focus ? (wi.result.journeys.find((j) => j.id === wi.focus)?.path || []) : [];
  const onPath = new Set(path);
  const pathEdges = new Set(path.slice(1).map((id, i) => `${path[i]}->${id}`));
  groups.forEach((g) => {
    const id = g.dataset.id;
    if (g.classList.contains("cluster")) return;
    if (id.includes("->")) {
      const [a, b] = id.split("->");
      let st = states[b] || states[a]; // a call is as good as what it calls
      if (st === "ok" && wi.slow.has(b)) st = "degraded";
      if (st) g.classList.add(`wi-${st}`);
      if (pathEdges.has(id)) g.classList.add("wi-path");
      return;
    }
    // A slowed element still answers (the core calls it ok): amber, for it is the cause.
    const st = states[id] === "ok" && wi.slow.has(id) ? "degraded" : states[id];
    if (st) g.classList.add(`wi-${st}`);
    if (wi.fail.has(id)) g.classList.add("wi-cause");
    if (wi.slow.has(id)) g.classList.add("wi-slowed");
    if (onPath.has(id)) g.classList.add("wi-path");
  });
}

let bar = null;
function say(text, kind = "info") {
  const msg = bar && bar.querySelector(".wi-msg");
  if (msg) { msg.textContent = text; msg.dataset.kind = kind; }
}

function renderBar() {
  if (!bar) return;
  const chips = [...wi.fail].map((id) => h("button", { type: "button", class: "chip wi-chip wi-chip-failed", title: `Restore ${id}`, dataset: { restore: id }, onclick: () => { wi.fail.delete(id); simulate(); } }, `${id} ✕`))
    .concat([...wi.slow].map(([id, ms]) => h("button", { type: "button", class: "chip wi-chip wi-chip-slow", title: `Restore ${id}'s speed`, onclick: () => { wi.slow.delete(id); simulate(); } }, `${id} +${ms} ms ✕`)));
  const picked = wi.picked;
  const ms = h("input", { type: "number", min: "0", step: "50", id: "wi-slow-ms", class: "wi-ms", value: String(picked && wi.slow.get(picked) || 250), "aria-label": "Slower by (ms)", disabled: !picked });
  const setSlow = (ev) => {
    ev.preventDefault();
    const n = Number(ms.value);
    if (!picked || !(n > 0)) { say("Pick a node, then give a number of milliseconds above 0.", "error"); return; }
    wi.fail.delete(picked);
    wi.slow.set(picked, n);
    wi.clickedAt = performance.now();
    simulate();
  };
  bar.replaceChildren(
    h("strong", { class: "wi-title", text: "What-if" }),
    h("span", { class: "wi-chips" }, ...(chips.length ? chips : [h("span", { class: "muted", text: "click a node to fail it" })])),
    h("form", { class: "wi-slow", novalidate: true, onsubmit: setSlow },
      h("label", { for: "wi-slow-ms" }, picked ? `Slow ${picked} by` : "Slow the picked node by"), ms, h("span", { class: "muted", text: "ms" }),
      h("button", { type: "submit", class: "button-small", disabled: !picked }, "Set")),
    h("span", { class: "wi-msg muted", role: "status" }),
    h("button", { type: "button", class: "button-ghost button-small", disabled: !chips.length, onclick: () => { wi.fail.clear(); wi.slow.clear(); wi.focus = null; simulate(); } }, "Reset"),
    h("button", { type: "button", class: "button button-small", id: "wi-leave", onclick: () => setWhatIf(false) }, "Leave what-if"));
}

export function setWhatIf(on) {
  if (on === wi.on) return;
  wi.on = on;
  const toggle = $("ed-whatif");
  toggle?.setAttribute("aria-pressed", String(on));
  $("editor").classList.toggle("is-whatif", on);
  if (on) {
    bar = h("div", { class: "wi-bar", id: "wi-bar", role: "region", "aria-label": "What-if scenario" });
    $("panel-diagram").insertBefore(bar, $("ed-stage"));
    showLower("journeys");
    renderBar();
    simulate();
  } else {
    wi.seq++; // drop an answer in flight
    wi.fail.clear(); wi.slow.clear(); wi.picked = null; wi.result = null; wi.focus = null;
    bar?.remove(); bar = null;
    delete $("ed-diagram").dataset.whatif;
    paint(); // removes every wi-* class
    renderJourneys();
  }
}

// Findings | Journeys, the lower half of the right pane.
export function showLower(which) {
  document.querySelectorAll("#ed-lower-tabs [data-lower]").forEach((b) => {
    const on = b.dataset.lower === which;
    b.setAttribute("aria-selected", String(on));
    b.tabIndex = on ? 0 : -1;
  });
  $("ed-findings").hidden = which !== "findings";
  $("ed-journeys").hidden = which !== "journeys";
}

export function initJourneys() {
  const box = $("ed-diagram");
  $("ed-lower-tabs")?.addEventListener("click", (ev) => { const b = ev.target.closest("[data-lower]"); if (b) showLower(b.dataset.lower); });
  $("ed-whatif")?.addEventListener("click", () => setWhatIf(!wi.on));
  // In what-if mode a node is a switch: capture its clicks before selection, linking, renaming.
  const nodeOf = (ev) => ev.target.closest && ev.target.closest("#ed-diagram g.node[data-id]");
  const toggleNode = (g) => {
    const id = g.dataset.id;
    if (wi.result && !(id in wi.result.elements)) { say(`${id} cannot fail in a simulation (only services, datastores and brokers).`, "error"); return; }
    wi.clickedAt = performance.now();
    wi.picked = id;
    if (wi.fail.has(id)) wi.fail.delete(id);
    else { wi.fail.add(id); wi.slow.delete(id); }
    simulate();
  };
  box.addEventListener("click", (ev) => {
    if (!wi.on) return;
    ev.stopPropagation(); ev.preventDefault();
    const g = nodeOf(ev);
    if (g) toggleNode(g);
  }, true);
  for (const type of ["pointerdown", "dblclick"]) {
    box.addEventListener(type, (ev) => { if (wi.on && nodeOf(ev)) ev.stopPropagation(); }, true);
  }
  box.addEventListener("keydown", (ev) => {
    if (!wi.on || (ev.key !== "Enter" && ev.key !== " ")) return;
    const g = nodeOf(ev);
    if (!g) return;
    ev.stopPropagation(); ev.preventDefault();
    toggleNode(g);
  }, true);
  document.addEventListener("keydown", (ev) => {
    if (wi.on && ev.key === "Escape" && !ev.target.closest("input, textarea, select") && !$("editor").classList.contains("is-fullscreen")) setWhatIf(false);
  });
  // A redrawn diagram (an edit, another view, a filter) is painted again.
  new MutationObserver(() => { if (wi.on) paint(); }).observe(box, { childList: true });
}
