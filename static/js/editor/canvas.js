// Modelling on the diagram: a palette (click an item, then the canvas; or drag it in) that adds
// an element with an id derived from a title typed in place; drag from one node onto another to
// connect them; double-click to rename; Delete removes the selection. Every change is one write
// of element ops (see connect.js), recorded for undo by the caller's `write`.
import { h } from "./forms.js";
import { connection, eventConnection, slugify, lookOf } from "./connect.js";

export const PALETTE = [
  { item: "service", label: "Service", kind: "service", value: {} },
  { item: "gateway", label: "Gateway", kind: "service", value: { kind: "gateway" } },
  { item: "worker", label: "Worker", kind: "service", value: { kind: "worker" } },
  { item: "frontend", label: "Frontend", kind: "service", value: { kind: "frontend" } },
  { item: "external", label: "External", kind: "service", value: { kind: "external" } },
  { item: "datastore", label: "Datastore", kind: "datastore", value: { kind: "postgres" } },
  { item: "broker", label: "Broker", kind: "broker", value: { kind: "rabbitmq" } },
  { item: "event", label: "Event", kind: "event", value: {} },
  { item: "actor", label: "Actor", kind: "actor", value: { kind: "person" } },
  { item: "team", label: "Team", kind: "team", value: {} },
];

const DRAG_MIN = 6; // px a pointer must move before a press becomes a drag
const LONG_PRESS = 450; // ms a finger rests on a node before it drags a connection

// ctx: { stage, box, state, canEdit, write(ops, meta), select(key), notify(text, kind),
//        entryOf(g) -> index entry of a diagram group, removeSelected() }
export function initCanvas(ctx) {
  const { stage, box } = ctx;
  let armed = null; // the palette item waiting for a click on the canvas
  const palette = h("div", { class: "ed-palette", role: "toolbar", "aria-label": "Add to the model" });
  const menu = ctx.paletteMenu; // a <details> in the toolbar: the palette opens from it
  if (ctx.canEdit && menu) {
    for (const p of PALETTE) {
      palette.append(h("button", {
        type: "button", class: "ed-palette-item", dataset: { palette: p.item }, title: `Add ${p.label.toLowerCase()}: click here, then on the canvas (or drag it in)`,
        onpointerdown: (ev) => startPaletteDrag(ev, p),
      }, h("span", { class: `ed-palette-icon pi-${p.item}`, "aria-hidden": "true" }), p.label));
    }
    menu.append(palette);
  }
  const hint = h("div", { class: "ed-canvas-hint", role: "status", hidden: true });
  stage.append(hint);
  const say = (text, kind = "info") => {
    hint.textContent = text;
    hint.dataset.kind = kind;
    hint.hidden = !text;
    clearTimeout(say.t);
    if (text) say.t = setTimeout(() => { hint.hidden = true; }, kind === "error" ? 6000 : 3500);
  };

  function arm(p) {
    armed = armed && armed.item === p.item ? null : p;
    palette.querySelectorAll(".ed-palette-item").forEach((b) => b.setAttribute("aria-pressed", String(!!armed && b.dataset.palette === armed.item)));
    stage.classList.toggle("is-placing", !!armed);
    if (armed) { say(`Click on the canvas to add ${armed.label.toLowerCase()}.`); if (menu) menu.open = false; }
  }

  // --- palette: click then click, or drag in ------------------------------------------------
  function startPaletteDrag(ev, p) {
    if (ev.button !== 0) return;
    ev.preventDefault(); // (which also keeps the focus where it is: commit an open title now)
    if (document.activeElement?.classList.contains("ed-place-input")) document.activeElement.blur();
    const start = { x: ev.clientX, y: ev.clientY };
    let ghost = null;
    const move = (e) => {
      if (!ghost && Math.hypot(e.clientX - start.x, e.clientY - start.y) > DRAG_MIN) {
        ghost = h("div", { class: "ed-palette-ghost", text: p.label });
        document.body.append(ghost);
      }
      if (ghost) { ghost.style.left = `${e.clientX + 8}px`; ghost.style.top = `${e.clientY + 8}px`; }
    };
    const up = (e) => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      if (!ghost) { arm(p); return; } // a click: arm, then click the canvas
      ghost.remove();
      const r = box.getBoundingClientRect();
      if (e.clientX >= r.left && e.clientX <= r.right && e.clientY >= r.top && e.clientY <= r.bottom) place(p, e.clientX, e.clientY);
      else say("Drop it on the diagram to add it.");
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  }

  // An inline title field where the element was dropped. Enter (or leaving the field) adds it;
  // Tab adds it and opens the next one of the same kind; Escape cancels.
  function place(p, x, y) {
    stage.querySelector(".ed-place")?.remove();
    const sr = stage.getBoundingClientRect();
    const input = h("input", { type: "text", class: "ed-place-input", "aria-label": `Title of the new ${p.label.toLowerCase()}`, placeholder: `${p.label} title` });
    const note = h("span", { class: "ed-place-id muted" });
    const wrap = h("div", { class: "ed-place", style: `left:${Math.max(4, x - sr.left - 20)}px;top:${Math.max(4, y - sr.top - 14)}px` }, input, note);
    stage.append(wrap);
    let done = false;
    const taken = () => new Set(ctx.state.index.byId.keys());
    // "Orders, Payments, Shipping" adds three at once (one write).
    const titles = () => input.value.split(",").map((t) => t.trim()).filter(Boolean);
    input.addEventListener("input", () => {
      const seen = taken();
      note.textContent = titles().map((t) => { const id = slugify(t, seen, p.item); seen.add(id); return id; }).join(", ");
      if (note.textContent) note.textContent = `id: ${note.textContent}`;
    });
    const commit = async (next) => {
      if (done) return;
      done = true;
      const all = titles();
      wrap.remove();
      if (!all.length) return;
      const ops = addOps(p, all);
      if (next) place(p, x + 24, y + 24); // Tab: the next one of the same kind, at once
      await ctx.write(ops.ops, { label: `add ${p.label.toLowerCase()} ${ops.ids.join(", ")}`, inverse: ops.inverse, keys: ops.keys, select: next || all.length > 1 ? null : ops.keys[0] });
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); if (menu) menu.open = false; commit(false); }
      else if (e.key === "Tab") { e.preventDefault(); commit(true); }
      else if (e.key === "Escape") { e.preventDefault(); done = true; wrap.remove(); }
      e.stopPropagation();
    });
    input.addEventListener("blur", () => setTimeout(() => commit(false), 0));
    input.focus();
  }

  function addOps(p, titles) {
    const index = ctx.state.index;
    const taken = new Set(index.byKey.size ? index.byId.keys() : []);
    const ops = [], inverse = [], keys = [], ids = [];
    let broker = p.kind === "event" ? index.entries.find((e) => e.kind === "broker") : null;
    if (p.kind === "event" && !broker) { // an event needs a broker: add one with it, same write
      const bid = slugify("bus", taken, "broker");
      taken.add(bid);
      ops.push({ op: "add", kind: "broker", id: bid, value: { kind: "rabbitmq" } });
      inverse.unshift({ op: "remove", kind: "broker", id: bid });
      keys.push(`broker:${bid}`);
      broker = { id: bid };
    }
    for (const title of titles) {
      const id = slugify(title, taken, p.item);
      taken.add(id);
      const value = { ...p.value, title };
      if (broker) value.broker = broker.id;
      ops.push({ op: "add", kind: p.kind, id, value });
      inverse.unshift({ op: "remove", kind: p.kind, id });
      keys.unshift(`${p.kind}:${id}`);
      ids.push(id);
    }
    return { ops, inverse, keys, ids };
  }

  box.addEventListener("click", (ev) => {
    if (!armed) return;
    const p = armed;
    arm(p); // disarm
    ev.stopPropagation();
    place(p, ev.clientX, ev.clientY);
  }, true);

  // --- drag from a node onto another to connect them ----------------------------------------
  // With a mouse or a pen, a press on a node that moves is a drag. With a finger, a press must
  // be held (LONG_PRESS ms, without moving) before it drags a connection; a tap still selects
  // (the browser's click), and a finger that moves at once pans the diagram, as it does off the
  // nodes (nodes take no native touch panning: `touch-action: none`, so a long press can drag).
  let link = null;
  box.addEventListener("pointerdown", (ev) => {
    if (!ctx.canEdit || ev.button !== 0 || armed || !ev.isPrimary) return;
    const g = ev.target.closest("g.node[data-id]");
    const from = g && ctx.entryOf(g);
    if (!from) return;
    link = { from, g, x: ev.clientX, y: ev.clientY, line: null, pointerId: ev.pointerId, touch: ev.pointerType === "touch", held: false };
    if (link.touch) {
      const l = link;
      l.timer = setTimeout(() => {
        if (link !== l) return;
        l.held = true;
        g.classList.add("wb-link-source");
        say("Now drag onto the element to connect to.");
      }, LONG_PRESS);
    }
    ev.stopPropagation(); // not a pan
  });
  // A long press must not open the browser's menu for the node's link.
  box.addEventListener("contextmenu", (ev) => { if (link && link.touch) ev.preventDefault(); });
  window.addEventListener("pointercancel", (ev) => { if (link && ev.pointerId === link.pointerId) endLink(); });
  function endLink() {
    if (!link) return;
    clearTimeout(link.timer);
    link.line?.remove();
    link = null;
    stage.classList.remove("is-linking");
    box.classList.remove("panning");
    document.querySelectorAll(".wb-link-source, .wb-link-target").forEach((t) => t.classList.remove("wb-link-source", "wb-link-target"));
  }
  window.addEventListener("pointermove", (ev) => {
    if (!link || ev.pointerId !== link.pointerId) return;
    if (!link.line && !link.pan && Math.hypot(ev.clientX - link.x, ev.clientY - link.y) < DRAG_MIN) return;
    if (link.touch && !link.held) { // moved before the long press: not a link, a pan
      clearTimeout(link.timer);
      link.pan ||= { left: box.scrollLeft, top: box.scrollTop };
      box.classList.add("panning");
      box.scrollLeft = link.pan.left - (ev.clientX - link.x);
      box.scrollTop = link.pan.top - (ev.clientY - link.y);
      return;
    }
    if (!link.line) {
      link.line = h("div", { class: "ed-link-line" });
      stage.append(link.line);
      stage.classList.add("is-linking");
      link.g.classList.add("wb-link-source");
    }
    // Fixed-positioned, in client coordinates: the line may cross into the outline.
    const r = link.g.getBoundingClientRect();
    const x0 = (r.left + r.right) / 2, y0 = (r.top + r.bottom) / 2;
    const x1 = ev.clientX, y1 = ev.clientY;
    Object.assign(link.line.style, { left: `${x0}px`, top: `${y0}px`, width: `${Math.hypot(x1 - x0, y1 - y0)}px`, transform: `rotate(${Math.atan2(y1 - y0, x1 - x0)}rad)` });
    document.querySelectorAll(".wb-link-target").forEach((t) => t.classList.remove("wb-link-target"));
    const over = targetAt(ev.clientX, ev.clientY);
    if (over && over.g !== link.g) over.g.classList.add("wb-link-target");
  });
  window.addEventListener("pointerup", (ev) => {
    if (!link || ev.pointerId !== link.pointerId) return;
    const l = link;
    endLink();
    if (l.pan) { suppressClick(); return; }
    if (!l.line) { // a click or a tap: selection handles it (a held finger let go in place too)
      if (l.held) say("");
      return;
    }
    suppressClick();
    const over = targetAt(ev.clientX, ev.clientY);
    if (!over) { say("Nothing to connect to there: drop on another element.", "error"); return; }
    connect(l.from, over.entry, ev.clientX, ev.clientY);
  });

  // The element under the pointer: a node (or a broker's cluster) of the diagram, or an item of
  // the outline, so elements a view does not draw (a broker without events in the events
  // view, a datastore in the dependencies view) can be connected too.
  function targetAt(x, y) {
    for (const el of document.elementsFromPoint(x, y)) {
      const item = el.closest && el.closest("#ed-outline .ol-item[data-key]");
      if (item) {
        const entry = ctx.state.index.byKey.get(item.dataset.key);
        if (entry) return { g: item, entry };
      }
      const g = el.closest && el.closest("#ed-diagram g.node[data-id], #ed-diagram g.cluster[data-id]");
      if (!g) continue;
      const entry = ctx.entryOf(g);
      if (entry && (g.classList.contains("node") || entry.kind === "broker")) return { g, entry };
    }
    return null;
  }

  function suppressClick() {
    const stop = (e) => { e.stopPropagation(); e.preventDefault(); };
    window.addEventListener("click", stop, { capture: true, once: true });
    setTimeout(() => window.removeEventListener("click", stop, { capture: true }), 50);
  }

  async function connect(a, b, x, y) {
    const c = connection(a, b, ctx.state.index);
    if (c.error) { say(c.error, "error"); ctx.notify(c.error, "warn"); return; }
    if (c.ask) { askEvent(c.ask, x, y); return; }
    await ctx.write(c.ops, { label: c.label, inverse: c.inverse, keys: c.keys, select: c.select });
  }

  // service -> broker (publish) or broker -> service (subscribe): which event? existing or new.
  function askEvent(ask, x, y) {
    stage.querySelector(".ed-place")?.remove();
    const sr = stage.getBoundingClientRect();
    const verb = ask.role === "publish" ? "publishes" : "subscribes to";
    const input = h("input", { type: "text", class: "ed-place-input", placeholder: "new event title", "aria-label": "Title of a new event" });
    const close = () => wrap.remove();
    const done = async (choice) => {
      close();
      const c = eventConnection(ask, choice, ctx.state.index);
      if (c.error) { say(c.error, "error"); ctx.notify(c.error, "warn"); return; }
      await ctx.write(c.ops, { label: c.label, inverse: c.inverse, keys: c.keys, select: c.select });
    };
    input.addEventListener("keydown", (e) => {
      e.stopPropagation();
      if (e.key === "Enter" && input.value.trim()) { e.preventDefault(); done({ title: input.value.trim() }); }
      if (e.key === "Escape") close();
    });
    const wrap = h("div", { class: "ed-place ed-ask", style: `left:${Math.max(4, x - sr.left - 20)}px;top:${Math.max(4, y - sr.top - 14)}px` },
      h("p", { text: `${ask.service.id} ${verb} which event of ${ask.broker.id}?` }),
      ...ask.events.map((ev) => h("button", { type: "button", class: "chip", dataset: { event: ev }, onclick: () => done({ event: ev }) }, ev)),
      input,
      h("button", { type: "button", class: "button-ghost button-small", onclick: close }, "Cancel"));
    stage.append(wrap);
    input.focus();
  }

  // --- rename in place (double-click): the title; the id is the address and stays -----------
  box.addEventListener("dblclick", (ev) => {
    if (!ctx.canEdit) return;
    const g = ev.target.closest("g.node[data-id]");
    const e = g && ctx.entryOf(g);
    if (!e || !["service", "datastore", "event", "actor", "team", "broker"].includes(e.kind)) return;
    ev.preventDefault();
    stage.querySelector(".ed-place")?.remove();
    const r = g.getBoundingClientRect(), sr = stage.getBoundingClientRect();
    const input = h("input", { type: "text", class: "ed-place-input", value: e.value.title || "", "aria-label": `Rename ${e.id}`, placeholder: e.id });
    const wrap = h("div", { class: "ed-place", style: `left:${r.left - sr.left}px;top:${r.top - sr.top}px;min-width:${Math.max(140, r.width)}px` }, input);
    stage.append(wrap);
    let done = false;
    const commit = async () => {
      if (done) return;
      done = true;
      wrap.remove();
      const title = input.value.trim();
      const old = e.value.title;
      if ((title || undefined) === old) return;
      await ctx.write([{ op: "update", kind: e.kind, id: e.id, set: { title: title || null } }], {
        label: `rename ${e.id}`, inverse: [{ op: "update", kind: e.kind, id: e.id, set: { title: old === undefined ? null : old } }], keys: [e.key], select: e.key,
      });
    };
    input.addEventListener("keydown", (k) => {
      k.stopPropagation();
      if (k.key === "Enter") { k.preventDefault(); commit(); }
      if (k.key === "Escape") { done = true; wrap.remove(); }
    });
    input.addEventListener("blur", () => setTimeout(commit, 0));
    input.focus();
    input.select();
  });

  return { say, arm: (item) => arm(PALETTE.find((p) => p.item === item)), lookOf };
}
