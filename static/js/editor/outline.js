// The outline: every element by kind, with search and + to add one, and the avatars of the
// people looking at an element beside it. Reads the store; selecting goes through actions.select.
import { h } from "./forms.js";
import { keyOf, displayName, KIND_LABELS, KIND_ORDER } from "./model.js";
import { $, cfg, state, avatar, actions } from "./store.js";
import { openCreate } from "./inspector.js";

export function renderOutline() {
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
        "aria-current": e.key === state.selected ? "true" : null, onclick: () => actions.select(e.key),
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
export function renderOutlinePeers() {
  document.querySelectorAll("#ed-outline .ol-item .avatar").forEach((a) => a.remove());
  for (const p of state.presence) {
    if (p.conn === state.me || !p.selected) continue;
    const key = keyOf(p.selected.kind, p.selected.id);
    const item = document.querySelector(`#ed-outline .ol-item[data-key="${CSS.escape(key)}"]`);
    if (item) item.append(avatar(p.user, "sm"));
  }
}
