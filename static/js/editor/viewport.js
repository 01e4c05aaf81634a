// The diagram's viewport: how a Graphviz drawing sits in the pane (scale and scroll), the legend
// overlay, and full screen. Layout stays Graphviz's; this only decides what part is on screen.
//
// A view opens fitted to both dimensions when that keeps text at >= 70 % of its size, or every
// node's title at >= 9 px on screen (a drawing with large titles may shrink a little more), otherwise
// at a readable scale centred on the entry points (actors, frontends, gateways). Fit never
// enlarges past 100 %. Redrawing the same view (after an edit) keeps the scale and the centre.
import { h } from "./forms.js";

const PT = 96 / 72; // Graphviz user units are points
export const AUTO_FIT_MIN = 0.7;
export const READABLE = 0.8;
const MIN_TEXT_PX = 9; // the smallest node title a view may open with, on screen
const ZOOM_MIN = 0.1, ZOOM_MAX = 4;
const PAD_X = 24, PAD_Y = 24; // the pane's padding (editor.css)
const ENTRY_KINDS = ["person", "system", "frontend", "gateway"];

export class Viewport {
  constructor(box, { onChange } = {}) {
    this.box = box;
    this.svg = null;
    this.scale = 1;
    this.mode = "auto"; // "fit" follows the pane's size; a number is a fixed scale
    this.natural = { w: 0, h: 0 };
    this.titlePx = 14; // the smallest node title at 100 %, px (set per drawing)
    this.onChange = onChange || (() => {});
    this.legendOpen = false;
    new ResizeObserver(() => { if (this.svg && this.mode === "fit") this.apply(); else this.renderMinimap(); }).observe(box);
    box.addEventListener("scroll", () => this.moveMinimapFrame(), { passive: true });
  }

  // Put a freshly drawn <svg> in place. With `centre` (from centre(), taken before the old
  // drawing was replaced: same view and filters, after an edit) the scale and the point at the
  // middle of the pane stay; otherwise the view opens anew.
  show(svg, { centre = null } = {}) {
    const before = centre;
    this.svg = svg;
    this.legend = detachLegend(svg);
    this.crop();
    this.titlePx = titleSize(svg) * PT;
    this.renderLegend();
    if (before && this.mode !== "fit") {
      this.apply();
      this.scrollTo(before);
    } else if (before) {
      this.apply();
    } else {
      this.open();
    }
  }

  clear() { this.svg = null; this.legend = null; this.renderLegend(); this.renderMinimap(); }

  // Shrink the viewBox to the drawing without the legend (which Graphviz placed beside it).
  crop() {
    const svg = this.svg;
    const vb = svg.viewBox.baseVal;
    const graph = svg.querySelector("g.graph");
    let box = null;
    if (graph) {
      // Graphviz's page background and the graph's title come first; the title sits where the
      // legend made room for it, and the editor names the view itself: drop it here.
      const bg = graph.querySelector("polygon");
      const title = bg && bg.parentNode.querySelector(":scope > text");
      if (title) title.remove();
      if (bg) bg.style.display = "none";
      try { box = graph.getBBox(); } catch { box = null; }
      if (bg) { bg.style.display = ""; bg.classList.add("wb-bg"); }
      const m = graph.transform.baseVal.consolidate()?.matrix;
      if (box && m) box = { x: box.x + m.e, y: box.y + m.f, width: box.width, height: box.height };
    }
    if (box && box.width > 0 && box.height > 0) {
      const m = 4; // pt of margin
      svg.setAttribute("viewBox", `${box.x - m} ${box.y - m} ${box.width + 2 * m} ${box.height + 2 * m}`);
    }
    this.natural = { w: vb.width * PT, h: vb.height * PT };
  }

  fitScale() {
    // offset*, not client*: the scrollbars of the drawing shown before must not count.
    const w = this.box.offsetWidth - PAD_X, hgt = this.box.offsetHeight - PAD_Y;
    if (!this.natural.w || !this.natural.h) return 1;
    return Math.min(1, w / this.natural.w, hgt / this.natural.h);
  }

  // Whether the whole drawing, fitted, stays readable.
  fitReadable() {
    const fit = this.fitScale();
    return fit >= AUTO_FIT_MIN || fit * this.titlePx >= MIN_TEXT_PX;
  }

  open() {
    if (this.fitReadable()) {
      this.mode = "fit";
      this.apply();
      return;
    }
    this.mode = READABLE;
    this.apply();
    this.centreOn(entryBox(this.svg) || nodesBox(this.svg));
  }

  apply() {
    const svg = this.svg;
    if (!svg) return;
    this.scale = this.mode === "fit" ? this.fitScale() : this.mode;
    svg.style.width = `${Math.round(this.natural.w * this.scale)}px`;
    svg.style.height = `${Math.round(this.natural.h * this.scale)}px`;
    this.box.classList.toggle("zoomed", this.mode !== "fit");
    this.box.dataset.scale = this.scale.toFixed(3);
    this.renderMinimap();
    this.onChange(this);
  }

  // --- minimap: when the drawing is larger than the pane, a small picture of all of it (the
  // same drawing through <use>, not a copy) with the visible part framed; click to go there.
  renderMinimap() {
    const stage = this.box.parentElement;
    let map = stage.querySelector(".ed-minimap");
    const svg = this.svg;
    const graph = svg && svg.isConnected && svg.querySelector("g.graph[id]");
    const bigger = svg && (this.box.scrollWidth > this.box.clientWidth + 2 || this.box.scrollHeight > this.box.clientHeight + 2);
    if (!graph || !bigger) { map?.remove(); return; }
    const vb = svg.viewBox.baseVal;
    // At most 160 px, and at most about a third of a small pane (a phone's) in each direction.
    const side = (px) => Math.round(Math.max(64, Math.min(160, px * 0.3)));
    const w = side(this.box.clientWidth), hgt = Math.max(40, Math.min(side(this.box.clientHeight), Math.round((w * vb.height) / vb.width)));
    if (!map || map.dataset.for !== graph.id + vb.width + vb.height) {
      map?.remove();
      const ns = "http://www.w3.org/2000/svg";
      map = document.createElementNS(ns, "svg");
      map.setAttribute("class", "ed-minimap");
      map.setAttribute("viewBox", `${vb.x} ${vb.y} ${vb.width} ${vb.height}`);
      map.setAttribute("preserveAspectRatio", "xMidYMid meet");
      map.setAttribute("role", "img");
      map.setAttribute("aria-label", "Minimap: click to move there");
      map.dataset.for = graph.id + vb.width + vb.height;
      const use = document.createElementNS(ns, "use");
      use.setAttribute("href", `#${CSS.escape(graph.id)}`);
      const frame = document.createElementNS(ns, "rect");
      frame.setAttribute("class", "ed-minimap-frame");
      map.append(use, frame);
      map.addEventListener("click", (ev) => {
        const r = map.getBoundingClientRect();
        const s = Math.min(r.width / vb.width, r.height / vb.height);
        const ox = (r.width - vb.width * s) / 2, oy = (r.height - vb.height * s) / 2;
        this.scrollTo({ fx: (ev.clientX - r.left - ox) / (vb.width * s), fy: (ev.clientY - r.top - oy) / (vb.height * s) });
      });
      stage.append(map);
    }
    map.setAttribute("width", String(w)); // the pane may have changed size (tabs, full screen)
    map.setAttribute("height", String(hgt));
    this.moveMinimapFrame();
  }

  moveMinimapFrame() {
    const map = this.box.parentElement.querySelector(".ed-minimap");
    if (!map || !this.svg) return;
    const vb = this.svg.viewBox.baseVal;
    const r = this.svg.getBoundingClientRect(), p = this.box.getBoundingClientRect();
    const fx = (v) => vb.x + Math.max(0, Math.min(1, v)) * vb.width;
    const fy = (v) => vb.y + Math.max(0, Math.min(1, v)) * vb.height;
    const x0 = fx((p.left - r.left) / r.width), x1 = fx((p.right - r.left) / r.width);
    const y0 = fy((p.top - r.top) / r.height), y1 = fy((p.bottom - r.top) / r.height);
    const frame = map.querySelector(".ed-minimap-frame");
    frame.setAttribute("x", x0); frame.setAttribute("y", y0);
    frame.setAttribute("width", Math.max(0, x1 - x0)); frame.setAttribute("height", Math.max(0, y1 - y0));
  }

  // The drawing point (in fractions of the drawing) now at the middle of the pane.
  centre() {
    if (!this.svg || !this.svg.isConnected) return null;
    const b = this.box;
    const r = this.svg.getBoundingClientRect(), p = b.getBoundingClientRect();
    return { fx: (p.left + p.width / 2 - r.left) / Math.max(1, r.width), fy: (p.top + p.height / 2 - r.top) / Math.max(1, r.height), scale: this.scale };
  }

  scrollTo({ fx, fy }) {
    const b = this.box;
    const r = this.svg.getBoundingClientRect(), p = b.getBoundingClientRect();
    b.scrollLeft += r.left + fx * r.width - (p.left + p.width / 2);
    b.scrollTop += r.top + fy * r.height - (p.top + p.height / 2);
  }

  // Centre `rect` (client coordinates) in the pane; a side of it longer than the pane's starts
  // at the pane's edge instead, so its first node is whole rather than both ends cut.
  centreOn(rect) {
    if (!rect) return;
    const p = this.box.getBoundingClientRect();
    const margin = 12;
    const shift = (lo, hi, plo, size) => (hi - lo <= size - 2 * margin ? (lo + hi) / 2 - (plo + size / 2) : lo - plo - margin);
    this.box.scrollLeft += shift(rect.left, rect.right, p.left, p.width);
    this.box.scrollTop += shift(rect.top, rect.bottom, p.top, p.height);
  }

  // level: "fit", "actual", "in", "out" or a number; anchor: a client point to keep still.
  zoom(level, anchor) {
    if (!this.svg) return;
    if (level === "fit") { this.mode = "fit"; this.apply(); return; }
    const next = level === "actual" ? 1 : level === "in" ? this.scale * 1.25 : level === "out" ? this.scale / 1.25 : level;
    const p = this.box.getBoundingClientRect();
    const a = anchor || { x: p.left + p.width / 2, y: p.top + p.height / 2 };
    const r = this.svg.getBoundingClientRect();
    const fx = (a.x - r.left) / Math.max(1, r.width), fy = (a.y - r.top) / Math.max(1, r.height);
    this.mode = Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, next));
    this.apply();
    const r2 = this.svg.getBoundingClientRect();
    this.box.scrollLeft += r2.left + fx * r2.width - a.x;
    this.box.scrollTop += r2.top + fy * r2.height - a.y;
  }

  // --- legend overlay: collapsed by default, a toggle in the pane's corner -------------------

  renderLegend() {
    let wrap = this.box.parentElement.querySelector(".ed-legend");
    if (!wrap) {
      wrap = h("div", { class: "ed-legend" });
      this.box.parentElement.append(wrap);
    }
    if (!this.legend) { wrap.replaceChildren(); return; }
    const btn = h("button", { type: "button", class: "ed-legend-toggle", "aria-expanded": String(this.legendOpen), "data-action": "legend",
      onclick: () => { this.legendOpen = !this.legendOpen; this.renderLegend(); } }, this.legendOpen ? "Legend ▾" : "Legend ▸");
    wrap.replaceChildren(btn);
    if (this.legendOpen) wrap.append(h("div", { class: "ed-legend-body" }, this.legend));
  }
}

// Move the legend (its cluster and, drawn apart by Graphviz, its node) into a small SVG of its own.
function detachLegend(svg) {
  const parts = [...svg.querySelectorAll("g.wb-legend")]; // the cluster, then the node
  if (!parts.length) return null;
  let box = null;
  try { box = parts[0].getBBox(); } catch { box = null; }
  parts.forEach((g) => g.remove());
  if (!box || !box.width) return null;
  const ns = "http://www.w3.org/2000/svg";
  const out = document.createElementNS(ns, "svg");
  out.setAttribute("viewBox", `${box.x - 2} ${box.y - 2} ${box.width + 4} ${box.height + 4}`);
  out.setAttribute("width", String(Math.round((box.width + 4) * PT)));
  out.setAttribute("height", String(Math.round((box.height + 4) * PT)));
  out.setAttribute("role", "img");
  out.setAttribute("aria-label", "Legend");
  out.append(...parts); // their coordinates are the drawing's: the viewBox above frames them
  return out;
}

function unionRect(els) {
  let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
  els.forEach((g) => {
    const r = g.getBoundingClientRect();
    left = Math.min(left, r.left); top = Math.min(top, r.top);
    right = Math.max(right, r.right); bottom = Math.max(bottom, r.bottom);
  });
  return left === Infinity ? null : { left, top, right, bottom };
}

function nodesBox(svg) { return unionRect(svg.querySelectorAll("g.node[data-id]")); }

function entryBox(svg) {
  const nodes = [...svg.querySelectorAll("g.node[data-id]")].filter((g) => ENTRY_KINDS.includes(g.dataset.kind));
  return unionRect(nodes);
}

// The font size (pt) of the smallest node title: per node its largest text, the least of those.
function titleSize(svg) {
  let least = Infinity;
  for (const g of svg.querySelectorAll("g.node")) {
    let largest = 0;
    for (const t of g.querySelectorAll("text")) largest = Math.max(largest, parseFloat(t.getAttribute("font-size")) || 0);
    if (largest) least = Math.min(least, largest);
  }
  return Number.isFinite(least) ? least : 14;
}
