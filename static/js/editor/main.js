// The model editor's wiring: loading and refreshing the store, selection, writes and undo, the
// tabs and keys, and the model websocket. The panes live in their own modules (outline.js,
// diagram.js, inspector.js, findings.js, journeys.js, revisions.js, exports.js, canvas.js)
// around store.js. Writes are element ops over HTTP; the websocket only tells us that (and who)
// changed the model. See docs/editor.md.
import { request, ApiError } from "./api.js";
import { h } from "./forms.js";
import { Live } from "./live.js";
import { indexDocument, keyOf, displayName, applyDelta } from "./model.js";
import { initExports } from "./exports.js";
import { initCanvas } from "./canvas.js";
import { linkOf, shownBy } from "./connect.js";
import { UndoStack } from "./undo.js";
import { $, cfg, API, MODEL, state, notify, postOps, avatar, actions } from "./store.js";
import { renderOutline, renderOutlinePeers } from "./outline.js";
import { openInspector, closeInspector, updateInspector, renderPeers, askDelete, plainMessage } from "./inspector.js";
import { viewport, fillFilters, prefetchDiagram, loadDiagram, wireZoom, diagramTarget, onDiagramActivate, pressView, openJourney, leaveJourney, renderJourneyNav } from "./diagram.js";
import { loadFindings } from "./findings.js";
import { loadJourneys, initJourneys, redrawJourneys } from "./journeys.js";
import { yaml, yamlVisible, loadYaml, gutter, applyYaml, historyVisible, loadHistory, showDiff } from "./revisions.js";


// --- loading and refreshing ---------------------------------------------------------------------

async function fetchModel() {
  const { body } = await request("GET", MODEL);
  return body;
}

// Bring every pane up to the current model. `change` (a model.changed event, or {author} on
// resync) says who changed it, for the inspector's notices. `known` ({document, revision, name})
// is a document the page already has (the answer to my own write): it is applied as it is,
// without asking the server for the model again.
async function refresh(change = null, known = null) {
  if (state.refreshing) { state.refreshAgain = change || state.refreshAgain || true; return state.refreshing; }
  state.refreshing = (async () => {
    try {
      const authors = state.pendingAuthors.splice(0);
      // The picture depends on the server's model only: ask for it while the model loads.
      prefetchDiagram();
      const body = known || await fetchModel();
      const old = state.index;
      // The fetched document holds every change committed so far: name all their authors.
      const others = [...new Set(authors.filter((a) => a && a !== cfg.user))];
      if (others.length) change = { ...(change || {}), author: others.join(", ") };
      else if (authors.length && change) change = { ...change, author: cfg.user };
      state.doc = body.document;
      state.revision = body.revision;
      state.index = indexDocument(body.document, cfg.spec.collections);
      $("ed-revision").textContent = `rev ${state.revision}`;
      $("ed-model-name").textContent = body.name;
      fillFilters();
      // The inspector (one form) and its co-editing notices at once: they must not wait for
      // the picture.
      updateInspector(old, change);
      // The YAML is reloaded when its tab is open (else when it is opened): it is the whole
      // document again, and on a large model the slowest part of a refresh.
      state.yamlStale = true;
      // The picture next: the outline is rebuilt once it is drawn (on a large model, rebuilding
      // it first would delay the drawing by the page layout it costs), and the findings and
      // journeys are asked for then, so they do not compete with it on the server, where they
      // share its rule report. A large model's picture drawn by a job is not waited for past a
      // second.
      const drawing = loadDiagram();
      await Promise.race([drawing, new Promise((resolve) => setTimeout(resolve, 1000))]);
      renderOutline();
      await Promise.all([drawing, loadFindings(), loadJourneys(), yamlVisible() ? loadYaml() : null, historyVisible() ? loadHistory() : null]);
      renderJourneyNav();
    } catch (e) {
      notify(`Could not load the model: ${e.message}`, "error");
    } finally {
      state.refreshing = null;
      if (state.refreshAgain) {
        const again = state.refreshAgain;
        state.refreshAgain = false;
        refresh(again === true ? null : again);
      }
    }
  })();
  return state.refreshing;
}

// --- selection --------------------------------------------------------------------------------

const narrow = window.matchMedia("(max-width: 1023px)");


// Under 1024 px one pane shows at a time (editor.css); the tabs above them switch.
function showPane(pane) {
  $("editor").dataset.pane = pane;
  document.querySelectorAll("#ed-pane-tabs [data-pane]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.pane === pane)));
  if (pane === "diagram") viewport.apply();
}

function select(key, { focus = true } = {}) {
  const e = state.index.byKey.get(key);
  if (!e) return;
  if (narrow.matches && focus) showPane("inspector"); // picked from a list: show its fields
  if (state.form && state.form.dirty() && state.form.key !== key) {
    notify(`Unsaved changes to ${displayName(state.form.entry)} were discarded.`, "warn");
  }
  state.selected = key;
  live.select(e.address, e.kind);
  markSelection();
  openInspector(e, { focus });
}

// Only the few marked elements are touched (a 5,000-service model has 25,000 outline items):
// the old marks are found by their classes, the new ones by key and id.
function markSelection() {
  document.querySelectorAll("#ed-outline .ol-item.is-selected, #ed-diagram g.wb-selected, #ed-diagram g.wb-peer").forEach((el) => {
    el.classList.remove("is-selected", "wb-selected", "wb-peer");
    el.removeAttribute("aria-current");
  });
  if (state.selected) {
    const item = document.querySelector(`#ed-outline .ol-item[data-key="${CSS.escape(state.selected)}"]`);
    if (item) { item.classList.add("is-selected"); item.setAttribute("aria-current", "true"); }
  }
  const e = state.selected && state.index.byKey.get(state.selected);
  const mark = (id, cls) => document.querySelectorAll(`#ed-diagram g[data-id="${CSS.escape(id)}"]`).forEach((g) => g.classList.add(cls));
  if (e) diagramIds(e).forEach((id) => mark(id, "wb-selected"));
  for (const p of state.presence) {
    if (p.conn === state.me || !p.selected) continue;
    const pe = state.index && state.index.byKey.get(keyOf(p.selected.kind, p.selected.id));
    if (pe) diagramIds(pe).forEach((id) => mark(id, "wb-peer"));
  }
}

// The diagram ids that show an element: nodes by id, edges "a->b".
function diagramIds(e) {
  if (e.kind === "call") return [e.address];
  if (e.kind === "route") return [`${e.parent}->${e.value.to}`];
  if (e.kind === "api") return [e.parent];
  return [e.address];
}

// Bring the page up to revision n (which I just wrote) with as few reloads as possible: a reload
// already on its way may bring it; the websocket's model.changed for it is then ignored.
// The write's own answer holds the document at n (postOps asks for it): applied as it is.
async function catchUp(n) {
  state.expect = Math.max(state.expect || 0, n);
  for (let tries = 0; state.revision < n && tries < 5; tries++) {
    if (state.refreshing) { await state.refreshing; continue; }
    const w = state.written;
    const known = w && w.revision === n && w.document ? w : null;
    await refresh({ author: cfg.user }, known);
  }
  if (state.written && state.written.revision <= state.revision) state.written = null; // applied
}

// One write from the canvas: the ops (one revision), then the page catches up, the step is
// recorded for undo and its element opened in the inspector.
async function write(ops, { label, inverse, keys = [], select: sel = null } = {}) {
  try {
    const t0 = performance.now();
    const result = await postOps(ops);
    await catchUp(result.revision.number);
    state.lastWriteMs = performance.now() - t0;
    undo.record({ label, ops, inverse, keys });
    if (sel && state.index.byKey.has(sel)) select(sel, { focus: false });
    canvas?.say(`${label[0].toUpperCase()}${label.slice(1)}.`);
    return result;
  } catch (err) {
    const msg = err instanceof ApiError && err.status === 403
      ? "You can only view this model; ask an owner for the editor role."
      : plainMessage(err);
    canvas?.say(msg, "error");
    notify(msg, "error");
    return null;
  }
}
// --- presence ---------------------------------------------------------------------------------

function renderPresence() {
  const ul = $("ed-presence");
  ul.replaceChildren();
  const seen = new Set();
  for (const p of state.presence) {
    if (seen.has(p.user)) continue;
    seen.add(p.user);
    const sel = p.selected ? ` — on ${p.selected.id}` : "";
    const li = h("li", { title: `${p.user} (${p.role})${sel}`, dataset: { user: p.user } }, avatar(p.user));
    ul.append(li);
  }
  if (state.index) renderOutlinePeers();
  markSelection();
  renderPeers();
}

// --- modelling on the canvas and undo (canvas.js, connect.js, undo.js) ----------------------

const undo = new UndoStack({
  snapshot: (key) => JSON.stringify(linkOf(key, state.index) ?? state.index?.byKey.get(key)?.value ?? null),
  send: async (ops) => { const r = await postOps(ops); await catchUp(r.revision.number); return r; },
  onChange(u) {
    const [un, re] = [$("ed-undo"), $("ed-redo")];
    if (!un) return;
    un.disabled = !u.done.length;
    re.disabled = !u.undone.length;
    un.title = u.done.length ? `Undo ${u.done[u.done.length - 1].label} (Ctrl+Z)` : "Nothing to undo";
    re.title = u.undone.length ? `Redo ${u.undone[u.undone.length - 1].label} (Ctrl+Shift+Z)` : "Nothing to redo";
  },
});
window.wbUndo = undo;

async function undoRedo(which) {
  const r = await (which === "undo" ? undo.undo() : undo.redo());
  const back = r.ok && r.keys.map(shownBy).find((k) => state.index.byKey.has(k));
  if (back) select(back, { focus: false }); // what came back (a redo, an undone delete)
  notify(r.message, r.ok ? "success" : "warn", { sticky: !r.ok });
  canvas?.say(r.message, r.ok ? "info" : "error");
}

// The model element a diagram group (node, edge or cluster) stands for.
function entryOfGroup(g) {
  const key = diagramTarget(g);
  return key ? state.index.byKey.get(key) : null;
}

const canvas = $("ed-stage") ? initCanvas({
  stage: $("ed-stage"), box: $("ed-diagram"), paletteMenu: $("ed-palette-menu"), state, canEdit: cfg.canEdit, write, select,
  notify, entryOf: (g) => (g.classList.contains("cluster") ? state.index.byId.get(g.dataset.id) : entryOfGroup(g)),
}) : null;

// --- tabs, keyboard -------------------------------------------------------------------------------

function showTab(tab) {
  document.querySelectorAll(".ed-tab").forEach((t) => {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    $(t.getAttribute("aria-controls")).hidden = !on;
  });
  if (tab.id === "tab-history") loadHistory();
  if (tab.id === "tab-yaml") (state.yamlStale ? loadYaml() : Promise.resolve()).then(gutter);
  if (tab.id === "tab-exports") exportsPanel.show();
}

function wire() {
  const tabs = [...document.querySelectorAll(".ed-tab")];
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => showTab(t));
    t.addEventListener("keydown", (ev) => {
      const d = ev.key === "ArrowRight" ? 1 : ev.key === "ArrowLeft" ? -1 : 0;
      if (d) { const n = tabs[(i + d + tabs.length) % tabs.length]; n.focus(); showTab(n); }
    });
  });
  $("ed-views").addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-view]");
    if (!b) return;
    state.view = b.dataset.view;
    state.journey = null;
    state.back = null;
    pressView();
    loadDiagram();
    redrawJourneys();
  });
  $("ed-filters").addEventListener("change", (ev) => {
    const f = $("ed-filters");
    // One filter at a time, as the diagrams API takes them.
    for (const name of ["domain", "team", "focus"]) if (ev.target.name !== name && ev.target.name !== "hops" && ev.target.value) f.elements[name].value = "";
    loadDiagram();
  });
  $("ed-filters").addEventListener("submit", (ev) => ev.preventDefault());
  $("ed-colour").addEventListener("change", (ev) => {
    state.colour = ev.target.value || null;
    pressView(); // shows the scale beside the control
    loadDiagram();
  });
  $("ed-journey-back").addEventListener("click", leaveJourney);
  wireZoom();
  initJourneys();
  const d = $("ed-diagram");
  d.addEventListener("click", onDiagramActivate);
  d.addEventListener("keydown", (ev) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); onDiagramActivate(ev); } });
  $("ed-search").addEventListener("input", renderOutline);
  $("ed-fullscreen").addEventListener("click", () => toggleFullscreen());
  $("ed-model-rename")?.addEventListener("click", renameModel);
  $("ed-pane-tabs").addEventListener("click", (ev) => { const b = ev.target.closest("[data-pane]"); if (b) showPane(b.dataset.pane); });
  $("ed-undo")?.addEventListener("click", () => undoRedo("undo"));
  $("ed-redo")?.addEventListener("click", () => undoRedo("redo"));
  document.addEventListener("keydown", (ev) => {
    if (ev.target.closest("input, textarea, select, [contenteditable]")) return; // their own undo
    const mod = ev.ctrlKey || ev.metaKey;
    if (cfg.canEdit && mod && !ev.altKey) {
      const k = ev.key.toLowerCase();
      if (k === "z" && !ev.shiftKey) { ev.preventDefault(); undoRedo("undo"); return; }
      if ((k === "z" && ev.shiftKey) || k === "y") { ev.preventDefault(); undoRedo("redo"); return; }
    }
    if (mod || ev.altKey) return;
    if (cfg.canEdit && (ev.key === "Delete" || ev.key === "Backspace") && state.form && !state.form.creating && state.form.el) {
      const box = state.form.el.querySelector(".insp-confirm");
      if (box) { ev.preventDefault(); askDelete(state.form, box, { now: true }); }
      return;
    }
    if ((ev.key === "f" || ev.key === "F") && !$("panel-diagram").hidden) { ev.preventDefault(); toggleFullscreen(); }
    else if (ev.key === "Escape" && $("editor").classList.contains("is-fullscreen")) toggleFullscreen(false);
  });
  yaml().addEventListener("input", () => { state.yamlDirty = true; gutter(); });
  yaml().addEventListener("scroll", () => { $("ed-yaml-gutter").scrollTop = yaml().scrollTop; });
  yaml().addEventListener("keydown", (ev) => {
    if (ev.key === "Tab" && !ev.shiftKey && !ev.ctrlKey && cfg.canEdit) { // indent, not leave
      ev.preventDefault();
      const ta = yaml(); const s = ta.selectionStart;
      ta.setRangeText("  ", s, ta.selectionEnd, "end");
      state.yamlDirty = true;
    }
    if ((ev.ctrlKey || ev.metaKey) && ev.key === "Enter" && cfg.canEdit) applyYaml();
  });
  $("ed-yaml-reload").addEventListener("click", () => loadYaml(true));
  $("ed-yaml-apply")?.addEventListener("click", applyYaml);
  $("ed-diff-form").addEventListener("submit", (ev) => { ev.preventDefault(); const f = ev.target; showDiff(f.elements.from.value, f.elements.to.value); });
  $("ed-inspector").addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape") return;
    const form = state.form;
    if (!form) return;
    if (form.creating || !form.dirty()) closeInspector();
    else openInspector(state.index.byKey.get(form.key) || form.entry, { focus: true });
  });
  window.addEventListener("beforeunload", (ev) => {
    if ((state.form && state.form.dirty()) || state.yamlDirty) { ev.preventDefault(); ev.returnValue = ""; }
  });
}

// --- live -------------------------------------------------------------------------------------

const CONN_TEXT = { connecting: "connecting…", live: "live", reconnecting: "reconnecting…", offline: "offline — retrying", refused: "not connected" };

// The document at a model.changed event's revision, replayed from its delta onto mine when I am
// at its base revision and nothing else is loading (else null: the model is fetched).
function replayed(msg) {
  if (!msg.delta || msg.base !== state.revision || state.refreshing || state.writing || !state.doc) return null;
  try {
    const document = applyDelta(state.doc, msg.delta);
    return { document, revision: msg.revision, name: document.name };
  } catch {
    return null; // a delta that does not fit what I hold: fetch the model instead
  }
}

const live = new Live(cfg.ws, {
  onState(s) {
    const el = $("ed-conn");
    el.dataset.state = s;
    el.textContent = CONN_TEXT[s] || s;
  },
  onMessage(msg) {
    if (msg.type === "hello") {
      state.me = msg.conn;
      state.presence = msg.presence || [];
      renderPresence();
      if (msg.revision !== state.revision) refresh({ author: null, resync: true }); // missed changes while away
    } else if (msg.type === "model.changed") {
      state.pendingAuthors.push(msg.author);
      state.authors.set(msg.revision, msg.author); // who wrote which revision
      // My own writes are caught up by catchUp() from the write's answer; a reload for them
      // would be wasted. The event may come before the answer: held back until it is in.
      const mine = msg.author === cfg.user && msg.ops !== null;
      if (mine && state.writing) state.heldBack = Math.max(state.heldBack || 0, msg.revision);
      else if (msg.revision > Math.max(state.revision, state.expect || 0) || (msg.ops === null && msg.author !== cfg.user)) refresh(msg, replayed(msg));
    } else if (msg.type === "presence") {
      state.presence = msg.users || [];
      renderPresence();
    } else if (msg.type === "export.progress") {
      exportsPanel.progress(msg);
    }
  },
});
window.wbLive = live;

const exportsPanel = initExports({ root: $("ed-exports"), model: MODEL, api: API, canEdit: cfg.canEdit, notify });

// Filters live in the URL (?view=&domain=&team=&focus=&hops=, or view=journey&journey=, and
// colour=), so a view can be bookmarked.
const START = new URLSearchParams(location.search);
if (["context", "dependencies", "events", "data", "teams"].includes(START.get("view"))) {
  state.view = START.get("view");
} else if (START.get("view") === "journey" && START.get("journey")) {
  state.view = "journey";
  state.journey = START.get("journey");
}
if (START.get("colour") === "blast-radius") {
  state.colour = "blast-radius";
  $("ed-colour").value = "blast-radius";
}
pressView();
state.startFilters = Object.fromEntries(["domain", "team", "focus", "hops"].filter((k) => START.get(k)).map((k) => [k, START.get(k)]));

// The model's name, in place: one op on the model (undoable); the stored model follows it.
function renameModel() {
  const strong = $("ed-model-name");
  const old = strong.textContent;
  const input = h("input", { type: "text", class: "ed-place-input", value: old, "aria-label": "Model name", pattern: "[a-z][a-z0-9-]{0,62}" });
  strong.replaceChildren(input);
  input.focus();
  input.select();
  let done = false;
  const finish = async (save) => {
    if (done) return;
    done = true;
    const name = input.value.trim();
    strong.textContent = old;
    if (!save || !name || name === old) return;
    const r = await write([{ op: "update", kind: "model", set: { name } }], {
      label: `rename the model to ${name}`, keys: [], inverse: [{ op: "update", kind: "model", set: { name: old } }],
    });
    if (r) { strong.textContent = name; document.title = document.title.replace(old, name); }
  };
  input.addEventListener("keydown", (e) => {
    e.stopPropagation();
    if (e.key === "Enter") finish(true);
    if (e.key === "Escape") finish(false);
  });
  input.addEventListener("blur", () => finish(true));
}

function toggleFullscreen(on = !$("editor").classList.contains("is-fullscreen")) {
  $("editor").classList.toggle("is-fullscreen", on);
  $("ed-fullscreen").setAttribute("aria-pressed", String(on));
  viewport.apply();
}

Object.assign(actions, { select, refresh, catchUp, write, markSelection, undo, live, showPane, openJourney });
wire();
refresh().then(() => live.connect());
