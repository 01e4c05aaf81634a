// The inspector: the form of the selected element (generated from the model spec), quick
// presets for a call, add / save / delete as element ops, errors under their fields, and what
// changed under the user's feet (co-editing notices). Reads the store; the page's actions
// (select, write, catchUp, undo, live, markSelection) come through store.actions.
import { request, ApiError } from "./api.js";
import { h, widget, normalize, same, label, FieldError } from "./forms.js";
import { keyOf, displayName, addressOf, KIND_LABELS } from "./model.js";
import { $, cfg, MODEL, SPEC, state, notify, postOps, actions } from "./store.js";

const select = (key, opts) => actions.select(key, opts);
const write = (ops, opts) => actions.write(ops, opts);
const catchUp = (n) => actions.catchUp(n);
const markSelection = () => actions.markSelection();
const undo = { record: (step) => actions.undo.record(step) };

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

export function idsOf(refs) {
  const out = [];
  for (const e of state.index.entries) {
    if (refs.includes(e.kind) && e.id) out.push([e.id, e.title ? `${e.id} — ${e.title}` : e.id]);
  }
  return out;
}

function kindSpec(kind) { return SPEC[kind]; }

// The inspector's field groups, in order. Basics, Connections and Resilience are open (a call
// leads with its resilience settings, its API and operation come after); the
// rarely used ones start collapsed (a <details>), and open by themselves when one of their
// fields is invalid or changed by someone else. A field not listed for its kind is a basic.
const GROUPS = [
  { name: "Basics", open: true },
  { name: "Connections", open: true },
  { name: "Resilience", open: true },
  { name: "API", open: false },
  { name: "Security", open: false },
  { name: "Deploy", open: false },
  { name: "Observability", open: false },
];
const RESILIENCE = { replicas: "Resilience", slo: "Resilience" };
const GROUP_OF = {
  service: {
    publishes: "Connections", subscribes: "Connections", data: "Connections", uses: "Connections",
    replicas: "Resilience", stateful: "Resilience", health: "Resilience", slo: "Resilience",
    runtime: "Deploy", port: "Deploy", deploy: "Deploy", observability: "Observability", tags: "Observability",
  },
  call: {
    api: "API", operation: "API", timeout_ms: "Resilience", retries: "Resilience", circuit_breaker: "Resilience", fallback: "Resilience",
    discovery: "Deploy", tls: "Security", auth: "Security",
  },
  datastore: RESILIENCE,
  broker: RESILIENCE,
  event: { delivery: "Resilience" },
  api: { auth: "Security" },
  route: { auth: "Security", rate_limit: "Security" },
};
const groupOf = (kind, field) => (GROUP_OF[kind] || {})[field] || "Basics";

// Open the group a field is in (an error or a co-editor's change must be seen).
function reveal(r) {
  const det = r.row.closest("details.insp-group");
  if (det) det.open = true;
}

// Build the inspector form of an existing element (entry) or of a new one (entry = null).
function buildForm(kind, entry) {
  const readOnly = !cfg.canEdit;
  const creating = !entry;
  const value = entry ? normalize(entry.value, kindSpec(kind)) || {} : {};
  const identity = identityOf(kind);
  const rows = new Map();
  const baseline = {};
  const fieldsBox = h("div", { class: "insp-fields" });
  const groups = new Map(); // group name → the box its fields go in
  const boxOf = (name) => {
    if (!groups.has(name)) groups.set(name, h("div", { class: "insp-group-fields" }));
    return groups.get(name);
  };
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
    boxOf(isId || extra ? "Basics" : groupOf(kind, f.name)).append(row);
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
  const used = GROUPS.filter((g) => groups.has(g.name));
  if (used.length === 1) fieldsBox.append(groups.get(used[0].name));
  for (const g of used.length > 1 ? used : []) {
    const det = h("details", { class: "insp-group", dataset: { group: g.name } },
      h("summary", { class: "insp-group-title", text: g.name }), groups.get(g.name));
    det.open = g.open;
    fieldsBox.append(det);
  }
  return { form, fieldsBox };
}

export function openInspector(entry, { focus = false } = {}) {
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

export function openCreate(kind) {
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

export function closeInspector() {
  state.form = null;
  state.selected = null;
  actions.live.select(null, null);
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
      reveal(r);
      r.w.el.setAttribute?.("aria-invalid", "true");
      r.w.el.setAttribute?.("aria-describedby", r.err.id);
      firstBad ||= r;
    } else {
      form.general.hidden = false;
      form.general.append(h("p", { text: plainText(err.message) })); // no JSON pointers
    }
  }
  if (firstBad) { reveal(firstBad); firstBad.w.focus(); }
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
      r.err.hidden = false; r.err.textContent = e.message; r.row.classList.add("field-invalid"); reveal(r); bad = true;
    }
  }
  return bad ? null : out;
}




// An error as a person reads it: the first message, in plain words.
export function plainMessage(err) {
  return plainText(err.errors?.[0]?.message || err.message || "The change could not be saved.");
}

// Server messages name JSON details a person should not need: pointers ("/services/1/calls/0"),
// and the op vocabulary ('"cascade": true'). Say the same in words.
export function plainText(text) {
  return String(text)
    .replace(/,?\s*or (?:pass|send|set|use|add)\s*["']?cascade["']?\s*:\s*true[^;.]*/gi, ", or delete them with it")
    .replace(/\s*\bat \/[A-Za-z0-9_/-]+/g, "")
    .replace(/\s*\(?\/(?:services|datastores|brokers|events|teams|domains|actors|libraries|sagas|suppressions)\/\d+(?:\/[A-Za-z0-9_-]+)*\)?/g, "")
    .replace(/\s{2,}/g, " ").replace(/\s+([;,.])/g, "$1").trim();
}

// The op that puts a deleted element back (undo of a delete).
export function readdOp(e) {
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

export function askDelete(form, box, { now = false } = {}) {
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
export function updateInspector(oldIndex, change) {
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
      reveal(r);
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



function peersOn(key) {
  return state.presence.filter((p) => p.conn !== state.me && p.selected && keyOf(p.selected.kind, p.selected.id) === key);
}


export function renderPeers() {
  const form = state.form;
  if (!form || !form.peers) return;
  const peers = peersOn(form.key).map((p) => p.user);
  form.peers.textContent = peers.length ? `${[...new Set(peers)].join(", ")} ${peers.length > 1 ? "are" : "is"} also looking at this.` : "";
}
