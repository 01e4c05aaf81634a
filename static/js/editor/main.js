// The model editor: diagram, outline, inspector, findings, YAML, history and exports, kept in
// step with the server through the model websocket. Writes are element ops over HTTP; the
// websocket only tells us that (and who) changed the model. See docs/editor.md.
import { request, ApiError } from "./api.js";
import { h, widget, normalize, same, label, FieldError } from "./forms.js";
import { Live } from "./live.js";
import { indexDocument, keyOf, displayName, addressOf, KIND_LABELS, KIND_ORDER } from "./model.js";
import { initExports } from "./exports.js";
import { Viewport, AUTO_FIT_MIN } from "./viewport.js";
import { initCanvas } from "./canvas.js";
import { UndoStack } from "./undo.js";
import { $, cfg, API, MODEL, SPEC, state, notify, postOps, avatar, actions } from "./store.js";
import { loadFindings } from "./findings.js";
import { loadJourneys, initJourneys, journeyOf, redrawJourneys } from "./journeys.js";
import { yaml, yamlVisible, loadYaml, gutter, applyYaml, historyVisible, loadHistory, showDiff } from "./revisions.js";


// --- loading and refreshing ---------------------------------------------------------------------

async function fetchModel() {
  const { body } = await request("GET", MODEL);
  return body;
}

// Fetch the current model and bring every pane up to it. `change` (a model.changed event, or
// {author} on resync) says who changed it, for the inspector's notices.
async function refresh(change = null) {
  if (state.refreshing) { state.refreshAgain = change || state.refreshAgain || true; return state.refreshing; }
  state.refreshing = (async () => {
    try {
      const authors = state.pendingAuthors.splice(0);
      // The picture depends on the server's model only: ask for it while the model loads.
      prefetchDiagram();
      const body = await fetchModel();
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
      renderOutline();
      fillFilters();
      updateInspector(old, change);
      // The YAML is reloaded when its tab is open (else when it is opened): it is the whole
      // document again, and on a large model the slowest part of a refresh.
      state.yamlStale = true;
      await Promise.all([loadDiagram(), loadFindings(), loadJourneys(), yamlVisible() ? loadYaml() : null, historyVisible() ? loadHistory() : null]);
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

// --- outline ----------------------------------------------------------------------------------

function renderOutline() {
  const q = $("ed-search").value.trim().toLowerCase();
  const box = $("ed-outline");
  const open = new Set([...box.querySelectorAll("details[open]")].map((d) => d.dataset.kind));
  const first = !box.dataset.ready;
  box.dataset.ready = "1";
  box.replaceChildren();
  const groups = {};
  for (const e of state.index.entries) (groups[e.kind] ||= []).push(e);
  let total = 0;
  for (const kind of KIND_ORDER) {
    const items = (groups[kind] || []).filter((e) => !q || displayName(e).toLowerCase().includes(q) || (e.title || "").toLowerCase().includes(q));
    total += items.length;
    const det = h("details", { class: "ol-group", dataset: { kind } });
    det.open = first ? ["service", "event", "datastore"].includes(kind) || (groups[kind] || []).length < 6 : open.has(kind) || !!q;
    const sum = h("summary", {}, h("span", { class: "ol-kind", text: KIND_LABELS[kind] }), h("span", { class: "ol-count", text: String((groups[kind] || []).length) }));
    if (cfg.canEdit && kind !== "suppression") {
      sum.append(h("button", {
        type: "button", class: "button-icon ol-add", title: `Add ${kind}`, "aria-label": `Add ${kind}`, dataset: { add: kind },
        onclick: (ev) => { ev.preventDefault(); ev.stopPropagation(); openCreate(kind); },
      }, "+"));
    }
    det.append(sum);
    const ul = h("ul", { class: "ol-items" });
    for (const e of items) {
      ul.append(h("li", {}, h("button", {
        type: "button", class: `ol-item${e.key === state.selected ? " is-selected" : ""}`, dataset: { key: e.key },
        "aria-current": e.key === state.selected ? "true" : null, onclick: () => select(e.key),
      }, h("span", { class: "ol-name", text: displayName(e) }))));
    }
    if (!items.length) ul.append(h("li", { class: "muted ol-none", text: q ? "no match" : "none yet" }));
    det.append(ul);
    box.append(det);
  }
  if (!state.index.entries.length && !q) {
    box.prepend(h("p", { class: "ol-empty muted" }, cfg.canEdit
      ? "This model is empty. Start with + next to Services, then connect them with calls, events and datastores."
      : "This model is empty."));
  }
  if (q && !total) box.prepend(h("p", { class: "muted", text: `Nothing matches “${q}”.` }));
  renderOutlinePeers();
}

// The avatars of the people looking at an element, next to it in the outline. Presence changes
// often (every selection anywhere), so only the few marked items are touched, never the list.
function renderOutlinePeers() {
  document.querySelectorAll("#ed-outline .ol-item .avatar").forEach((a) => a.remove());
  for (const p of state.presence) {
    if (p.conn === state.me || !p.selected) continue;
    const key = keyOf(p.selected.kind, p.selected.id);
    const item = document.querySelector(`#ed-outline .ol-item[data-key="${CSS.escape(key)}"]`);
    if (item) item.append(avatar(p.user, "sm"));
  }
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

function markSelection() {
  document.querySelectorAll(".ol-item").forEach((b) => {
    const on = b.dataset.key === state.selected;
    b.classList.toggle("is-selected", on);
    if (on) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  });
  const e = state.selected && state.index.byKey.get(state.selected);
  const sel = e ? diagramIds(e) : [];
  const peerIds = new Set();
  for (const p of state.presence) {
    if (p.conn === state.me || !p.selected) continue;
    const pe = state.index && state.index.byKey.get(keyOf(p.selected.kind, p.selected.id));
    if (pe) diagramIds(pe).forEach((id) => peerIds.add(id));
  }
  document.querySelectorAll("#ed-diagram g[data-id]").forEach((g) => {
    g.classList.toggle("wb-selected", sel.includes(g.dataset.id));
    g.classList.toggle("wb-peer", peerIds.has(g.dataset.id));
  });
}

// The diagram ids that show an element: nodes by id, edges "a->b".
function diagramIds(e) {
  if (e.kind === "call") return [e.address];
  if (e.kind === "route") return [`${e.parent}->${e.value.to}`];
  if (e.kind === "api") return [e.parent];
  return [e.address];
}

// --- inspector ----------------------------------------------------------------------------------

const IDENTITY = { call: ["to"], route: ["path"], suppression: ["rule", "target"] };
const PARENT = {
  api: { name: "service", ref: ["service"], help: "the service that provides it" },
  call: { name: "from", ref: ["service", "actor"], help: "who calls" },
  route: { name: "gateway", ref: ["service"], help: "the gateway (a service of kind gateway)" },
};

function identityOf(kind) { return IDENTITY[kind] || ["id"]; }

const LEAD_FIELDS = { call: ["to", "protocol", "timeout_ms", "retries", "circuit_breaker", "fallback"] };
const rank = (lead, name) => (lead.includes(name) ? lead.indexOf(name) : lead.length);

// One click settings for a call, applied as one op (and undoable like any other).
const CALL_PRESETS = [
  { name: "Resilient default", help: "timeout 1 s, 2 retries with backoff and jitter, circuit breaker",
    set: { timeout_ms: 1000, retries: { max: 2, backoff_ms: 100, jitter: true }, circuit_breaker: true } },
  { name: "Fail fast", help: "timeout 300 ms, no retries, circuit breaker",
    set: { timeout_ms: 300, retries: null, circuit_breaker: true } },
];

function presetsFor(entry) {
  if (entry.kind !== "call" || !cfg.canEdit) return null;
  return h("div", { class: "insp-presets" }, h("span", { class: "muted", text: "Presets:" }),
    ...CALL_PRESETS.map((p) => h("button", {
      type: "button", class: "chip", title: p.help, dataset: { preset: p.name },
      onclick: async () => {
        const before = {};
        for (const k of Object.keys(p.set)) before[k] = entry.value[k] === undefined ? null : entry.value[k];
        await write([{ op: "update", ...addressOf(entry), set: p.set }], {
          label: `${p.name.toLowerCase()} on ${displayName(entry)}`, keys: [entry.key], select: entry.key,
          inverse: [{ op: "update", ...addressOf(entry), set: before }],
        });
      },
    }, p.name)));
}

function idsOf(refs) {
  const out = [];
  for (const e of state.index.entries) {
    if (refs.includes(e.kind) && e.id) out.push([e.id, e.title ? `${e.id} — ${e.title}` : e.id]);
  }
  return out;
}

function kindSpec(kind) { return SPEC[kind]; }

// Build the inspector form of an existing element (entry) or of a new one (entry = null).
function buildForm(kind, entry) {
  const readOnly = !cfg.canEdit;
  const creating = !entry;
  const value = entry ? normalize(entry.value, kindSpec(kind)) || {} : {};
  const identity = identityOf(kind);
  const rows = new Map();
  const baseline = {};
  const fieldsBox = h("div", { class: "insp-fields" });
  const form = {
    kind, entry, key: entry ? entry.key : null, rows, baseline, revision: state.revision,
    conflicts: new Map(), // field → author who changed it while I was editing
    dirtyFields() {
      const out = [];
      for (const [name, r] of rows) {
        if (r.identity && !creating) continue;
        let cur;
        try { cur = normalize(r.w.get(), r.f.type); } catch { out.push(name); continue; }
        if (!same(cur, baseline[name])) out.push(name);
      }
      return out;
    },
    dirty() { return !readOnly && this.dirtyFields().length > 0; },
  };
  const ctx = { ids: idsOf, readOnly, onChange: () => updateDirty(form) };
  const addRow = (f, val, { identity: isId = false, extra = false } = {}) => {
    const lockId = isId && !creating;
    const w = widget(f.type, val, lockId ? { ...ctx, readOnly: true } : ctx, f);
    const err = h("p", { class: "field-error", id: `${w.id}-err`, hidden: true });
    const note = h("p", { class: "field-note", hidden: true });
    const help = f.help ? h("p", { class: "field-help", text: f.help }) : null;
    const row = h("div", { class: `field insp-field${lockId ? " is-identity" : ""}`, dataset: { field: f.name } },
      h("label", { for: w.id, text: label(f.name) + (f.required || (isId && creating) ? " *" : "") }), w.el, help, note, err);
    fieldsBox.append(row);
    rows.set(f.name, { f, w, row, err, note, identity: isId, extra });
    baseline[f.name] = normalize(val, f.type);
  };
  if (creating && PARENT[kind]) {
    const p = PARENT[kind];
    const pre = state.createParent && state.createParent.kind === kind ? state.createParent.parent : undefined;
    addRow({ name: p.name, type: { t: "slug", ref: kind === "route" ? ["service"] : p.ref }, required: true, help: p.help }, pre, { identity: true, extra: true });
  }
  // A call leads with what decides its resilience; the rest follow in the spec's order.
  const lead = LEAD_FIELDS[kind] || [];
  const fields = [...kindSpec(kind).fields].sort((a, b) => rank(lead, a.name) - rank(lead, b.name));
  for (const f of fields) {
    addRow(f, value[f.name], { identity: identity.includes(f.name) });
  }
  return { form, fieldsBox };
}

function openInspector(entry, { focus = false } = {}) {
  const kind = entry.kind;
  const { form, fieldsBox } = buildForm(kind, entry);
  const body = $("ed-inspector-body");
  const general = h("div", { class: "form-errors", role: "alert", hidden: true });
  const status = h("p", { class: "insp-status muted", role: "status" });
  const title = h("div", { class: "insp-head" },
    h("span", { class: `kind-badge kind-${kind}`, text: kind }),
    h("h3", { class: "insp-title", text: displayName(entry) }),
    entry.title ? h("span", { class: "muted", text: entry.title }) : null);
  const peers = h("p", { class: "insp-peers muted" });
  const el = h("form", { class: "insp-form", novalidate: true, dataset: { key: entry.key }, onsubmit: (ev) => { ev.preventDefault(); save(form); } });
  el.append(general, fieldsBox);
  if (cfg.canEdit) {
    const confirmBox = h("div", { class: "insp-confirm", hidden: true });
    el.append(h("div", { class: "form-actions insp-actions" },
      h("button", { type: "submit", class: "button", "data-action": "save" }, "Save"),
      h("button", { type: "button", class: "button-ghost", "data-action": "reset", onclick: () => openInspector(state.index.byKey.get(entry.key) || entry, { focus: true }) }, "Discard changes"),
      h("span", { class: "ed-spacer" }),
      h("button", { type: "button", class: "button-danger-ghost", "data-action": "delete", onclick: () => askDelete(form, confirmBox) }, "Delete")),
    confirmBox, status);
  } else {
    el.append(h("p", { class: "muted insp-readonly", text: "You are a viewer here: you see live changes but cannot edit." }));
  }
  form.el = el; form.general = general; form.status = status; form.peers = peers;
  body.replaceChildren(title, peers, presetsFor(entry) || "", el, related(entry));
  state.form = form;
  renderPeers();
  if (focus) {
    const firstEditable = [...form.rows.values()].find((r) => !r.identity);
    (firstEditable || [...form.rows.values()][0])?.w.focus();
  }
}

// Links to what belongs to a service or actor (its apis, calls, routes) and to add more.
function related(entry) {
  if (entry.kind !== "service" && entry.kind !== "actor") return h("div");
  const box = h("div", { class: "insp-related" });
  const kinds = entry.kind === "service" ? ["api", "call", "route"] : ["call"];
  for (const kind of kinds) {
    if (kind === "route" && entry.value.kind !== "gateway" && !(entry.value.routes || []).length) continue;
    const items = state.index.entries.filter((e) => e.kind === kind && e.parent === entry.id);
    const ul = h("ul", { class: "chips" });
    for (const e of items) ul.append(h("li", {}, h("button", { type: "button", class: "chip", onclick: () => select(e.key) }, kind === "call" ? `→ ${e.value.to}` : displayName(e))));
    if (cfg.canEdit) {
      ul.append(h("li", {}, h("button", {
        type: "button", class: "chip chip-add", "data-add-related": kind,
        onclick: () => { state.createParent = { kind, parent: entry.id }; openCreate(kind); },
      }, `+ ${kind}`)));
    }
    box.append(h("h4", { text: KIND_LABELS[kind] }), ul);
  }
  return box;
}

function openCreate(kind) {
  if (!cfg.canEdit) return;
  const { form, fieldsBox } = buildForm(kind, null);
  state.createParent = null;
  const general = h("div", { class: "form-errors", role: "alert", hidden: true });
  const status = h("p", { class: "insp-status muted", role: "status" });
  const el = h("form", { class: "insp-form", novalidate: true, dataset: { creating: kind }, onsubmit: (ev) => { ev.preventDefault(); create(form); } });
  el.append(general, fieldsBox, h("div", { class: "form-actions insp-actions" },
    h("button", { type: "submit", class: "button", "data-action": "create" }, `Add ${kind}`),
    h("button", { type: "button", class: "button-ghost", onclick: closeInspector }, "Cancel")), status);
  form.el = el; form.general = general; form.status = status; form.creating = true;
  $("ed-inspector-body").replaceChildren(
    h("div", { class: "insp-head" }, h("span", { class: `kind-badge kind-${kind}`, text: kind }), h("h3", { class: "insp-title", text: `New ${kind}` })), el);
  state.form = form;
  state.selected = null;
  markSelection();
  [...form.rows.values()][0]?.w.focus();
}

function closeInspector() {
  state.form = null;
  state.selected = null;
  live.select(null, null);
  markSelection();
  $("ed-inspector-body").replaceChildren(h("p", { class: "muted ed-empty", text: "Select an element in the diagram or the list to see and edit its fields." }));
}

function updateDirty(form) {
  if (!form.el) return;
  const dirty = form.dirtyFields();
  for (const [name, r] of form.rows) r.row.classList.toggle("is-dirty", dirty.includes(name));
  form.el.classList.toggle("is-dirty", dirty.length > 0);
}

function clearErrors(form) {
  form.general.hidden = true;
  form.general.replaceChildren();
  for (const r of form.rows.values()) { r.err.hidden = true; r.err.textContent = ""; r.row.classList.remove("field-invalid"); r.w.el.removeAttribute?.("aria-invalid"); }
}

function showErrors(form, errors, elementPath) {
  clearErrors(form);
  let firstBad = null;
  for (const err of errors) {
    const field = fieldFor(form, err.pointer || "", elementPath);
    const r = field && form.rows.get(field);
    if (r) {
      r.err.hidden = false;
      r.err.textContent = r.err.textContent ? `${r.err.textContent} ${err.message}` : err.message;
      r.row.classList.add("field-invalid");
      r.w.el.setAttribute?.("aria-invalid", "true");
      r.w.el.setAttribute?.("aria-describedby", r.err.id);
      firstBad ||= r;
    } else {
      form.general.hidden = false;
      form.general.append(h("p", { text: plainText(err.message) })); // no JSON pointers
    }
  }
  if (firstBad) firstBad.w.focus();
}

// Which form field an error points at: op errors ("/0/set/port", "/0/value/port", "/0/id"),
// or validation errors inside the element ("/services/3/port/...").
function fieldFor(form, pointer, elementPath) {
  let m = pointer.match(/^\/0\/(?:set|value)\/([^/]+)/);
  if (m) return m[1];
  m = pointer.match(/^\/0\/(id|parent)$/);
  if (m) {
    if (m[1] === "parent") return PARENT[form.kind]?.name;
    return form.rows.has("id") ? "id" : identityOf(form.kind)[0];
  }
  if (elementPath && pointer.startsWith(`${elementPath}/`)) {
    const name = pointer.slice(elementPath.length + 1).split("/")[0];
    if (form.rows.has(name)) return name;
    if (["apis", "calls", "routes"].includes(name)) return null;
  }
  return null;
}

function readFields(form, names) {
  const out = {};
  let bad = false;
  for (const name of names) {
    const r = form.rows.get(name);
    try { out[name] = r.w.get(); } catch (e) {
      if (!(e instanceof FieldError)) throw e;
      r.err.hidden = false; r.err.textContent = e.message; r.row.classList.add("field-invalid"); bad = true;
    }
  }
  return bad ? null : out;
}


// Bring the page up to revision n (which I just wrote) with as few reloads as possible: a reload
// already on its way may bring it; the websocket's model.changed for it is then ignored.
async function catchUp(n) {
  state.expect = Math.max(state.expect || 0, n);
  for (let tries = 0; state.revision < n && tries < 5; tries++) {
    if (state.refreshing) await state.refreshing;
    else await refresh({ author: cfg.user });
  }
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

// An error as a person reads it: the first message, in plain words.
function plainMessage(err) {
  return plainText(err.errors?.[0]?.message || err.message || "The change could not be saved.");
}

// Server messages name JSON details a person should not need: pointers ("/services/1/calls/0"),
// and the op vocabulary ('"cascade": true'). Say the same in words.
function plainText(text) {
  return String(text)
    .replace(/,?\s*or (?:pass|send|set|use|add)\s*["']?cascade["']?\s*:\s*true[^;.]*/gi, ", or delete them with it")
    .replace(/\s*\bat \/[A-Za-z0-9_/-]+/g, "")
    .replace(/\s*\(?\/(?:services|datastores|brokers|events|teams|domains|actors|libraries|sagas|suppressions)\/\d+(?:\/[A-Za-z0-9_-]+)*\)?/g, "")
    .replace(/\s{2,}/g, " ").replace(/\s+([;,.])/g, "$1").trim();
}

// The op that puts a deleted element back (undo of a delete).
function readdOp(e) {
  const op = { op: "add", kind: e.kind, id: e.address, value: e.value };
  if (e.kind === "api" || e.kind === "route") op.parent = e.parent;
  return op;
}

async function save(form) {
  const e = form.entry;
  clearErrors(form);
  const dirty = form.dirtyFields();
  if (!dirty.length) { form.status.textContent = "Nothing to save."; return; }
  const values = readFields(form, dirty);
  if (!values) return;
  const set = {};
  for (const name of dirty) set[name] = values[name] === undefined ? null : values[name];
  const op = { op: "update", ...addressOf(e), set };
  form.status.textContent = "Saving…";
  try {
    const result = await postOps([op]);
    const replaced = [...form.conflicts].filter(([f]) => dirty.includes(f));
    for (const f of dirty) rememberMine(e.key, f, result.revision.number);
    form.status.textContent = "";
    form.conflicts.clear();
    const before = {};
    for (const name of dirty) before[name] = e.value[name] === undefined ? null : e.value[name];
    await catchUp(result.revision.number);
    undo.record({ label: `edit ${displayName(e)}: ${dirty.join(", ")}`, ops: [op], inverse: [{ op: "update", ...addressOf(e), set: before }], keys: [e.key] });
    const now = state.index.byKey.get(e.key);
    if (now && state.form === form) openInspector(now); // a clean form at the new revision
    // Two saves of one field close together: the page may catch up straight to a revision
    // where someone else's later save already replaced mine. Tell me now; the refresh that
    // brought it had nothing left to compare.
    const spec = kindSpec(e.kind);
    const overwritten = now ? dirty.filter((f) => !same(normalize((normalize(now.value, spec) || {})[f], form.rows.get(f)?.f.type), normalize(set[f] ?? undefined, form.rows.get(f)?.f.type))) : [];
    if (overwritten.length && state.revision > result.revision.number) {
      const mine = state.mySaves.get(e.key) || {};
      overwritten.forEach((f) => delete mine[f]);
      let who = [...new Set([...state.authors.entries()].filter(([rev, a]) => rev > result.revision.number && a !== cfg.user).map(([, a]) => a))];
      if (!who.length) { // the socket has not told us yet: the history knows
        const revs = await request("GET", `${MODEL}/revisions`).then((r) => r.body).catch(() => []);
        who = [...new Set(revs.filter((r) => r.number > result.revision.number && r.author !== cfg.user).map((r) => r.author))];
      }
      notify(`${who.join(", ") || "Someone"} replaced your change to ${overwritten.join(", ")} of ${displayName(e)}.`, "warn", { sticky: true });
    } else if (replaced.length) {
      notify(`Saved. Your change to ${replaced.map(([f]) => f).join(", ")} replaced ${[...new Set(replaced.map(([, who]) => who))].join(", ")}'s.`, "warn", { sticky: true });
    } else {
      notify(`Saved ${displayName(e)} (revision ${result.revision.number}).`, "success");
    }
  } catch (err) {
    form.status.textContent = "";
    handleWriteError(form, err, e.path);
  }
}

function rememberMine(key, field, revision) {
  if (!state.mySaves.has(key)) state.mySaves.set(key, {});
  state.mySaves.get(key)[field] = revision;
}

function handleWriteError(form, err, path) {
  if (err instanceof ApiError && err.status === 422 && err.errors.length) {
    showErrors(form, err.errors, path);
  } else if (err instanceof ApiError && err.status === 403) {
    showErrors(form, [{ message: "You can only view this model; ask an owner for the editor role." }]);
  } else {
    showErrors(form, [{ message: err.message || "The change could not be saved." }]);
  }
}

// The document path a new element of `kind` will get (validation errors point there).
function newPath(kind, parent) {
  const coll = Object.entries(cfg.spec.collections).find(([, k]) => k === kind)?.[0];
  if (coll) return `/${coll}/${(state.doc[coll] || []).length}`;
  if (kind === "suppression") return `/suppressions/${(state.doc.suppressions || []).length}`;
  const owner = parent && state.index.byId.get(parent);
  if (!owner) return null;
  const sub = { api: "apis", call: "calls", route: "routes" }[kind];
  return `${owner.path}/${sub}/${(owner.value[sub] || []).length}`;
}

async function create(form) {
  clearErrors(form);
  const kind = form.kind;
  const names = [...form.rows.keys()];
  const values = readFields(form, names);
  if (!values) return;
  const parentName = PARENT[kind]?.name;
  const missing = names.filter((n) => form.rows.get(n).identity && values[n] === undefined);
  if (missing.length) {
    showErrors(form, missing.map((n) => ({ pointer: `/0/value/${n}`, message: "required" })));
    return;
  }
  const value = {};
  for (const n of names) if (!form.rows.get(n).extra && values[n] !== undefined) value[n] = values[n];
  const op = { op: "add", kind, value };
  let address;
  if (kind === "call") { address = `${values.from}->${values.to}`; op.id = address; }
  else if (kind === "route") { address = values.path; op.id = address; op.parent = values.gateway; }
  else if (kind === "suppression") { address = `${values.rule}:${values.target}`; op.id = address; }
  else { address = values.id; op.id = address; if (kind === "api") op.parent = values.service; }
  form.status.textContent = "Adding…";
  try {
    const result = await postOps([op]);
    form.status.textContent = "";
    notify(`Added ${kind} ${address}.`, "success");
    const key = keyOf(kind, address);
    state.form = null;
    await catchUp(result.revision.number);
    const inverse = { op: "remove", kind, id: op.id };
    if (op.parent) inverse.parent = op.parent;
    undo.record({ label: `add ${kind} ${address}`, ops: [op], inverse: [inverse], keys: [key] });
    if (state.index.byKey.has(key)) select(key);
  } catch (err) {
    form.status.textContent = "";
    const parent = values[parentName];
    handleWriteError(form, err, newPath(kind, parent));
  }
}

function askDelete(form, box, { now = false } = {}) {
  const e = form.entry;
  box.hidden = false;
  const doDelete = async (cascade) => {
    const op = { op: "remove", ...addressOf(e) };
    if (cascade) op.cascade = true;
    try {
      const result = await postOps([op]);
      notify(`Deleted ${e.kind} ${displayName(e)}.`, "success");
      closeInspector();
      await catchUp(result.revision.number);
      if (!cascade) undo.record({ label: `delete ${e.kind} ${displayName(e)}`, ops: [op], inverse: [readdOp(e)], keys: [e.key] });
    } catch (err) {
      if (err instanceof ApiError && err.status === 422 && !cascade && /referenced|cascade/.test(err.errors[0]?.message || "")) {
        box.replaceChildren(h("p", { text: plainText(err.errors[0].message) }),
          h("button", { type: "button", class: "button-danger", "data-action": "delete-cascade", onclick: () => doDelete(true) }, "Delete with its references"),
          h("button", { type: "button", class: "button-ghost", onclick: () => { box.hidden = true; } }, "Cancel"));
        box.querySelector("button").focus();
      } else {
        box.replaceChildren(h("p", { class: "field-error", text: plainText(err.errors?.[0]?.message || err.message) }),
          h("button", { type: "button", class: "button-ghost", onclick: () => { box.hidden = true; } }, "Close"));
      }
    }
  };
  if (now) { box.replaceChildren(h("p", { class: "muted", text: "Deleting…" })); doDelete(false); return; }
  box.replaceChildren(h("p", { text: `Delete ${e.kind} ${displayName(e)}?` }),
    h("button", { type: "button", class: "button-danger", "data-action": "confirm-delete", onclick: () => doDelete(false) }, "Delete"),
    h("button", { type: "button", class: "button-ghost", onclick: () => { box.hidden = true; } }, "Cancel"));
  box.querySelector("button").focus();
}

// After the model changed: keep the inspector on the same element, refresh the fields nobody
// is editing, tell the user about the ones they are, and close it if the element is gone.
function updateInspector(oldIndex, change) {
  const form = state.form;
  if (!form || form.creating || !oldIndex) return;
  const author = change && change.author ? change.author : null;
  const foreign = author && author !== cfg.user;
  const now = state.index.byKey.get(form.key);
  if (!now) {
    const name = `${form.kind} ${displayName(form.entry)}`;
    closeInspector();
    notify(foreign ? `${name} was deleted by ${author}.` : `${name} no longer exists.`, "warn", { sticky: true });
    return;
  }
  const spec = kindSpec(form.kind);
  const before = normalize(form.entry.value, spec) || {};
  const after = normalize(now.value, spec) || {};
  const changed = [...form.rows.keys()].filter((n) => !form.rows.get(n).extra && !same(before[n], after[n]));
  const dirty = form.dirtyFields();
  form.entry = now;
  form.revision = state.revision;
  const mine = state.mySaves.get(form.key) || {};
  for (const name of changed) {
    const r = form.rows.get(name);
    const spec = r.f.type;
    if (dirty.includes(name) && foreign) {
      form.conflicts.set(name, author);
      r.note.hidden = false;
      r.note.textContent = `${author} changed ${name} while you were editing; saving will replace their value.`;
      notify(`${author} changed ${name} of ${displayName(now)} while you were editing.`, "warn", { sticky: true });
    } else if (!dirty.includes(name)) {
      form.baseline[name] = normalize(after[name], spec);
      r.w.set(after[name]);
      r.row.classList.add("is-updated");
      setTimeout(() => r.row.classList.remove("is-updated"), 1500);
      if (foreign && mine[name]) {
        notify(`${author} replaced your change to ${name} of ${displayName(now)}.`, "warn", { sticky: true });
        delete mine[name];
      }
    }
  }
  updateDirty(form);
}

// --- presence ---------------------------------------------------------------------------------


function peersOn(key) {
  return state.presence.filter((p) => p.conn !== state.me && p.selected && keyOf(p.selected.kind, p.selected.id) === key);
}

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

function renderPeers() {
  const form = state.form;
  if (!form || !form.peers) return;
  const peers = peersOn(form.key).map((p) => p.user);
  form.peers.textContent = peers.length ? `${[...new Set(peers)].join(", ")} ${peers.length > 1 ? "are" : "is"} also looking at this.` : "";
}

// --- diagram ----------------------------------------------------------------------------------

function fillFilters() {
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

function pressView() {
  $("ed-views").querySelectorAll("button").forEach((x) => x.setAttribute("aria-pressed", String(x.dataset.view === state.view)));
  $("ed-colour").closest(".ed-colour").classList.toggle("is-active", !!state.colour);
  $("ed-heat-key").hidden = state.colour !== "blast-radius";
}

// Open a journey's view; the view we leave is remembered with its viewport, for "Back".
function openJourney(id) {
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
  if (narrow.matches) showPane("diagram");
  pressView();
  loadDiagram();
  redrawJourneys();
}

function leaveJourney() {
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

function renderJourneyNav() {
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

function prefetchDiagram() {
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

// `restore` (from openJourney) brings a view back as it was left: its direction, scale and centre.
async function loadDiagram({ restore = null } = {}) {
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
    if (!keep && turnable && !directions[view] && viewport.fitScale() < AUTO_FIT_MIN) {
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
    markSelection();
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

const viewport = new Viewport($("ed-diagram"), {
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

// --- modelling on the canvas and undo (canvas.js, connect.js, undo.js) ----------------------

const undo = new UndoStack({
  snapshot: (key) => JSON.stringify(state.index?.byKey.get(key)?.value ?? null),
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
  const back = r.ok && r.keys.find((k) => state.index.byKey.has(k));
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

function wireZoom() {
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

function wireDiagram(box) {
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

function diagramTarget(g) {
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

function onDiagramActivate(ev) {
  const g = ev.target.closest("g[data-id]");
  if (!g) return;
  const key = diagramTarget(g);
  if (key) select(key, { focus: false });
}

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
      // My own writes are caught up by catchUp(); a second reload for them would be wasted.
      if (msg.revision > Math.max(state.revision, state.expect || 0) || (msg.ops === null && msg.author !== cfg.user)) refresh(msg);
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

actions.select = select;
actions.openJourney = openJourney;
actions.refresh = refresh;
actions.catchUp = catchUp;
wire();
refresh().then(() => live.connect());
