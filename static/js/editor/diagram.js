// The diagram pane: the filters, fetching the view's picture (its direction chosen to fit,
// large models drawn by a background job), zoom and pan (viewport.js), and which element a
// node or edge of the picture stands for.
import { request } from "./api.js";
import { h } from "./forms.js";
import { keyOf } from "./model.js";
import { Viewport } from "./viewport.js";
import { $, cfg, MODEL, state, actions } from "./store.js";
import { idsOf } from "./inspector.js";
import { journeyOf, redrawJourneys } from "./journeys.js";

const narrow = window.matchMedia("(max-width: 1023px)");

export function fillFilters() {
  const f = $("ed-filters");
  const fill = (name, kinds, none) => {
    const sel = f.elements[name];
    const cur = sel.value;
    sel.replaceChildren(h("option", { value: "", text: none }), ...idsOf(kinds).map(([v, t]) => h("option", { value: v, text: t })));
    sel.value = [...sel.options].some((o) => o.value === cur) ? cur : "";
  };
  fill("domain", ["domain"], "all");
  fill("team", ["team"], "all");
  fill("focus", ["service", "datastore", "event", "actor", "broker"], "none");
  if (state.startFilters) { // once, from the URL
    for (const [k, v] of Object.entries(state.startFilters)) if (f.elements[k]) f.elements[k].value = v;
    state.startFilters = null;
  }
}

// --- the journey view: one journey's tree (Journeys tab → "Tree"), and back ---------------------

export function pressView() {
  $("ed-views").querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x.dataset.view === state.view)));
  $("ed-colour").closest(".ed-colour").classList.toggle("is-active", !!state.colour);
  $("ed-heat-key").hidden = state.colour !== "blast-radius";
}

// Open a journey's view; the view we leave is remembered with its viewport, for "Back".
export function openJourney(id) {
  if (state.view !== "journey") {
    const f = $("ed-filters");
    state.back = {
      view: state.view,
      filters: Object.fromEntries(["domain", "team", "focus", "hops"].map((k) => [k, f.elements[k].value])),
      mode: viewport.mode, centre: viewport.centre(), direction: directions[state.view],
    };
  }
  state.view = "journey";
  state.journey = id;
  if (narrow.matches) actions.showPane("diagram");
  pressView();
  loadDiagram();
  redrawJourneys();
}

export function leaveJourney() {
  const had = !!state.back; // opened from a bookmark: back to the default view, opened anew
  const back = state.back || { view: "dependencies", filters: null };
  state.back = null;
  state.view = back.view;
  state.journey = null;
  if (back.filters) for (const [k, v] of Object.entries(back.filters)) $("ed-filters").elements[k].value = v;
  pressView();
  loadDiagram({ restore: had ? back : null });
  redrawJourneys();
}

export function renderJourneyNav() {
  const nav = $("ed-journey-nav");
  nav.hidden = state.view !== "journey";
  if (nav.hidden) return;
  const j = journeyOf(state.journey);
  const name = $("ed-journey-name");
  const back = state.back ? state.back.view : "dependencies";
  $("ed-journey-back").title = `Back to the ${back} view`;
  const ms = (v) => (v === null || v === undefined ? "unbounded" : `${Math.round(v).toLocaleString("en")} ms`);
  const t = (j && j.target) || {};
  const over = j && t.latency_ms != null && j.nominal_latency_ms > t.latency_ms;
  name.replaceChildren(h("span", { class: "muted", text: "Journey " }), h("strong", { text: state.journey || "" }),
    j ? h("span", { class: over ? "jn-over" : "muted", text: ` · ${ms(j.nominal_latency_ms)}, worst ${ms(j.worst_latency_ms)}${t.latency_ms != null ? ` / target ${ms(t.latency_ms)}` : ""}` }) : "");
  name.title = j ? `${j.id}: nominal ${ms(j.nominal_latency_ms)}, worst ${ms(j.worst_latency_ms)}, availability ${j.availability} %` : "";
}

let diagramSeq = 0;
// The direction each view is drawn in (TB or LR): its own, unless the other one fits the pane
// better; chosen when the view opens and kept for its redraws, so the viewport stays put.
const VIEW_DIRECTION = { context: "TB", dependencies: "LR", events: "LR", data: "LR", teams: "LR", journey: "LR" };
const directions = {};

let prefetched = null; // {url, promise} of a drawing asked for before the model was loaded

// What a view draws: the filters (or, for the journey view, its journey) and the colouring.
function viewParams(view) {
  const f = $("ed-filters");
  const params = new URLSearchParams();
  if (view === "journey") {
    params.set("journey", state.journey || "");
  } else {
    for (const name of ["domain", "team", "focus"]) if (f.elements[name].value) params.set(name, f.elements[name].value);
    if (f.elements.focus.value) params.set("hops", f.elements.hops.value || "1");
  }
  if (state.colour) params.set("colour", state.colour);
  return params;
}

function diagramParams(view) {
  const params = viewParams(view);
  const own = directions[view] || VIEW_DIRECTION[view];
  if (own !== VIEW_DIRECTION[view]) params.set("direction", own);
  return params;
}

export function prefetchDiagram() {
  if (!state.index || !state.index.entries.length || !directions[state.view]) return;
  const url = `${MODEL}/diagrams/${state.view}.svg?${diagramParams(state.view)}`;
  prefetched = { url, promise: request("GET", url, { raw: true }) };
  prefetched.promise.catch(() => {});
}

async function fetchDiagram(view, params, box, seq) {
  const url = `${MODEL}/diagrams/${view}.svg?${params}`;
  const early = prefetched && prefetched.url === url ? prefetched.promise : null;
  prefetched = null;
  let res = await (early || request("GET", url, { raw: true }));
  if (res.status === 202) res = await waitForDiagramJob(await res.json(), box, seq);
  return res ? (await res.text()).replace(/^<\?xml[^>]*>\s*/, "") : null;
}

function putDiagram(box, text, keep) {
  const centre = keep ? viewport.centre() : null; // before the old drawing goes
  box.innerHTML = text;
  wireDiagram(box);
  viewport.show(box.querySelector("svg"), { centre });
}

// `restore` (from leaveJourney) brings a view back as it was left: its direction, scale and centre.
export async function loadDiagram({ restore = null } = {}) {
  const box = $("ed-diagram");
  const f = $("ed-filters");
  const view = state.view;
  const params = viewParams(view);
  const seq = ++diagramSeq;
  $("editor").dataset.view = view;
  renderJourneyNav();
  delete box.dataset.drawn; // set again when this drawing is in place (tests wait for it)
  const active = view !== "journey" && ["domain", "team", "focus"].find((n) => f.elements[n].value);
  $("ed-filter-summary").textContent = active ? `${active[0].toUpperCase()}${active.slice(1)}: ${f.elements[active].value}` : "Filters";
  $("ed-filter-summary").title = active ? `Filtered by ${active} ${f.elements[active].value}` : "Domain, team or focus";
  $("ed-filter-menu").classList.toggle("is-active", !!active);
  const query = `view=${view}${params.size ? `&${params}` : ""}`;
  history.replaceState(null, "", `${location.pathname}?${query}${location.hash}`); // bookmarkable
  // The colouring changes no layout: a drawing recoloured keeps its viewport.
  const shape = new URLSearchParams(params);
  shape.delete("colour");
  const drawn = `${view}?${shape}`;
  const keep = drawn === state.drawn;
  if (!keep) delete directions[view]; // a view opened anew picks its direction again
  if (restore && restore.direction) directions[view] = restore.direction;
  if (!state.index.entries.length) {
    viewport.clear();
    state.drawn = null;
    box.replaceChildren(h("div", { class: "ed-empty diagram-empty" }, h("p", { text: "Nothing to draw yet." }),
      cfg.canEdit ? h("p", { class: "muted", text: "Drag an element from + Add onto this canvas (or pick one, then click here), type its title, then drag from one element onto another to connect them." }) : null));
    if (cfg.canEdit && $("ed-palette-menu") && !state.paletteShown) { $("ed-palette-menu").open = true; state.paletteShown = true; }
    box.dataset.drawn = view;
    return;
  }
  try {
    const own = directions[view] || VIEW_DIRECTION[view];
    const first = diagramParams(view);
    const text = await fetchDiagram(view, first, box, seq);
    if (!text || seq !== diagramSeq) return; // superseded while drawing
    putDiagram(box, text, keep);
    if (restore) {
      viewport.mode = restore.mode;
      viewport.apply();
      if (restore.mode !== "fit" && restore.centre) viewport.scrollTo(restore.centre);
    }
    // The journey view reads left to right; only a narrow pane may turn it top to bottom.
    const turnable = view !== "journey" || narrow.matches;
    if (!keep && turnable && !directions[view] && !viewport.fitReadable()) {
      // Too small to fit this way round: try the other direction and keep the better one.
      const fit = viewport.fitScale();
      const other = own === "TB" ? "LR" : "TB";
      const alt = await fetchDiagram(view, new URLSearchParams([...params, ["direction", other]]), box, seq).catch(() => null);
      if (seq !== diagramSeq) return;
      if (alt) {
        putDiagram(box, alt, false);
        if (viewport.fitScale() > fit) directions[view] = other;
        else putDiagram(box, text, false);
      }
    }
    directions[view] ||= own;
    state.drawn = drawn;
    box.dataset.drawn = view;
    const download = new URLSearchParams(params);
    if (directions[view] !== VIEW_DIRECTION[view]) download.set("direction", directions[view]);
    for (const fmt of ["svg", "png"]) {
      const a = $(`ed-download-${fmt}`);
      a.href = `${MODEL}/diagrams/${view}.${fmt}?${download}`;
      a.download = `${cfg.name || "model"}-${view}.${fmt}`;
    }
    actions.markSelection();
  } catch (e) {
    if (seq !== diagramSeq) return;
    const msg = e.status === 404 ? "Diagrams are not available on this server yet."
      : view === "journey" && e.status === 422 ? `This journey cannot be drawn: ${e.message}. Go back, or pick a journey in the Journeys tab.`
        : `The diagram could not be drawn: ${e.message}`;
    viewport.clear();
    state.drawn = null;
    box.replaceChildren(h("p", { class: "muted ed-empty", text: msg }));
  }
}

// A large model is drawn by a background job: show its progress, poll it, then fetch the picture.
async function waitForDiagramJob(job, box, seq) {
  const bar = h("progress", { max: "1", value: String(job.progress || 0), "aria-label": "Drawing progress" });
  const note = h("p", { class: "muted", text: "This model is large: the diagram is being drawn in the background…" });
  box.replaceChildren(h("div", { class: "ed-empty diagram-empty" }, note, bar));
  const jobUrl = `/api/v1/diagrams/jobs/${encodeURIComponent(job.id)}`;
  for (;;) {
    if (seq !== diagramSeq) return null;
    if (job.state === "done") return request("GET", job.result_url || `${jobUrl}/result`, { raw: true });
    if (job.state === "failed") throw Object.assign(new Error(job.detail || "the drawing job failed"), { status: 503 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    job = (await request("GET", jobUrl)).body;
    bar.value = job.progress || 0;
  }
}

// --- zoom and pan: see viewport.js ---------------------------------------------------------

export const viewport = new Viewport($("ed-diagram"), {
  onChange(v) {
    document.querySelectorAll("#ed-zoom [data-zoom]").forEach((b) => {
      const on = (b.dataset.zoom === "fit" && v.mode === "fit") || (b.dataset.zoom === "actual" && v.mode === 1);
      b.setAttribute("aria-pressed", String(on));
    });
    const pct = $("ed-zoom-pct");
    if (pct) pct.textContent = `${Math.round(v.scale * 100)} %`;
  },
});
window.wbViewport = viewport; // for the browser tests

export function wireZoom() {
  const box = $("ed-diagram");
  $("ed-zoom").addEventListener("click", (ev) => {
    const b = ev.target.closest("[data-zoom]");
    if (!b) return;
    viewport.zoom(b.dataset.zoom);
  });
  box.addEventListener("wheel", (ev) => {
    if (!ev.ctrlKey && !ev.metaKey) return; // plain wheel scrolls
    ev.preventDefault();
    viewport.zoom(ev.deltaY < 0 ? "in" : "out", { x: ev.clientX, y: ev.clientY });
  }, { passive: false });
  // Drag the background to pan a zoomed diagram; clicks on elements still select them.
  let drag = null;
  box.addEventListener("pointerdown", (ev) => {
    if (viewport.mode === "fit" || ev.button !== 0 || ev.target.closest("g[data-id][role=button]")) return;
    drag = { x: ev.clientX, y: ev.clientY, left: box.scrollLeft, top: box.scrollTop };
    box.classList.add("panning");
  });
  window.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    box.scrollLeft = drag.left - (ev.clientX - drag.x);
    box.scrollTop = drag.top - (ev.clientY - drag.y);
  });
  window.addEventListener("pointerup", () => {
    drag = null;
    box.classList.remove("panning");
  });
}

export function wireDiagram(box) {
  const svg = box.querySelector("svg");
  if (!svg) return;
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${state.view} diagram`);
  svg.querySelectorAll("g[data-id]").forEach((g) => {
    if ((g.getAttribute("id") || "").startsWith("cluster")) return;
    g.setAttribute("tabindex", "0");
    g.setAttribute("role", "button");
    g.setAttribute("aria-label", `${g.dataset.kind || ""} ${g.dataset.id}`);
  });
}

export function diagramTarget(g) {
  const id = g.dataset.id;
  const kind = g.dataset.kind;
  const ix = state.index;
  if (!id.includes("->")) return ix.byId.get(id)?.key || null;
  const [a, b] = id.split("->");
  if (kind === "call" || kind === "actor" || kind === "cut") return ix.byKey.has(keyOf("call", id)) ? keyOf("call", id) : ix.byId.get(a)?.key;
  if (kind === "route") return ix.entries.find((e) => e.kind === "route" && e.parent === a && e.value.to === b)?.key || ix.byId.get(a)?.key;
  if (kind === "publish") return ix.byId.get(b)?.key;
  if (kind === "subscribe") return ix.byId.get(a)?.key;
  if (["read", "write", "read-write"].includes(kind)) return ix.byId.get(b)?.key;
  return ix.byId.get(a)?.key || null;
}

export function onDiagramActivate(ev) {
  const g = ev.target.closest("g[data-id]");
  if (!g) return;
  const key = diagramTarget(g);
  if (key) actions.select(key, { focus: false });
}
