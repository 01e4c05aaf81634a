// The editor's one small store: the page's configuration, the state every pane reads, the
// notices, and the few actions panes call on each other (filled in by main.js), so the modules
// (outline, canvas, inspector, diagram, findings, YAML, history, live) need not import one another.
import { request } from "./api.js";
import { h } from "./forms.js";
import { applyDelta } from "./model.js";

export const cfg = JSON.parse(document.getElementById("editor-config").textContent);
export const API = cfg.api;
export const MODEL = `${API}/models/${cfg.model}`;
export const SPEC = cfg.spec.kinds;
export const $ = (id) => document.getElementById(id);

export const state = {
  revision: cfg.revision,
  doc: null,
  index: null,
  selected: null, // element key
  form: null, // the open inspector form (see openInspector)
  view: "dependencies",
  journey: null, // the journey view's journey id
  back: null, // the view the journey view was opened from: {view, filters, mode, centre, direction}
  colour: null, // null (findings) or "blast-radius"
  presence: [],
  me: null, // my websocket connection id
  yamlDirty: false,
  yamlRevision: null,
  mySaves: new Map(), // element key → {field → revision} of my own recent writes
  refreshing: null,
  refreshAgain: false,
  pendingAuthors: [], // authors of model.changed events not yet loaded
  authors: new Map(), // revision → who wrote it (from model.changed)
  writing: 0, // my writes on their way
  written: null, // {revision, document, name}: the answer to my latest write, not yet applied
  heldBack: 0, // the newest revision of mine announced while a write was on its way
};
window.wbEditor = state; // for the browser tests and for debugging

// --- notices ----------------------------------------------------------------------------------

export function notify(text, kind = "info", { sticky = false } = {}) {
  const el = h("div", { class: `notice notice-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { text }),
    h("button", { type: "button", class: "button-icon", "aria-label": "Dismiss", onclick: () => el.remove() }, "×"));
  const box = $("ed-notices");
  box.append(el);
  while (box.children.length > 4) box.firstElementChild.remove(); // the newest matter most
  if (!sticky) setTimeout(() => el.remove(), 6000);
  return el;
}

// Set by main.js at start: select(key, opts), refresh(change), catchUp(revision),
// write(ops, {label, inverse, keys, select}), markSelection(), undo (the UndoStack), live (the socket).
export const actions = {};

// Every write: element ops, one revision. The answer carries that revision's change (`delta`
// from `base`; the whole document when it is stored whole), from which catchUp() has the
// document at that revision without fetching the model again. While a write is on its way my
// own model.changed events are held back (live.js would otherwise reload for them); one that
// is not this write's (another tab of mine) reloads when the write is in.
export async function postOps(ops) {
  state.writing = (state.writing || 0) + 1;
  try {
    const { body } = await request("POST", `${MODEL}/ops?delta=true`, { json: ops });
    const n = body.revision.number;
    // Neither: someone wrote after me already; catchUp() fetches the model then (so it does
    // when my page is not at the change's base revision).
    let document = body.document;
    try {
      if (!document && body.delta && body.base === state.revision && state.doc) document = applyDelta(state.doc, body.delta);
    } catch {
      document = null; // does not fit what I hold: catchUp() fetches the model
    }
    if (document && n > state.revision && (!state.written || n > state.written.revision)) {
      state.written = { revision: n, document, name: body.model.name };
    }
    return body;
  } finally {
    state.writing -= 1;
    const held = state.heldBack;
    if (!state.writing && held) {
      state.heldBack = null;
      if (held > Math.max(state.revision, state.written?.revision || 0, state.expect || 0)) actions.refresh();
    }
  }
}

export function colourOf(name) {
  let n = 0;
  for (const c of name) n = (n * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${n % 360} 62% 42%)`;
}

export function avatar(user, size = "") {
  return h("span", { class: `avatar ${size ? `avatar-${size}` : ""}`, style: `background:${colourOf(user)}`, title: user, "aria-label": user, text: user.slice(0, 2).toUpperCase() });
}
