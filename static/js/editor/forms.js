// Forms generated from the workbench/v1 spec (apps/editor/spec_json.py): one widget per field
// type, so every field of every element kind is editable without a hand-written form.
// A widget is {el, get(), set(value), focus()}; get() returns undefined for "not set".

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Field names as people say them: units in brackets, acronyms in capitals.
const LABELS = {
  timeout_ms: "Timeout (ms)", backoff_ms: "Backoff (ms)", reset_timeout_ms: "Reset timeout (ms)",
  rate_limit: "Rate limit (requests/s per client)", cpu_target: "CPU target (%)", cpu: "CPU",
  tls: "TLS", api: "API", apis: "APIs", id: "Id", url: "URL", max: "Max", min: "Min",
  circuit_breaker: "Circuit breaker", failure_threshold: "Failure threshold", strip_prefix: "Strip prefix",
  cqrs: "CQRS", slo: "SLO (availability, latency)", publishes: "Publishes events", subscribes: "Subscribes to events",
  data: "Data access", uses: "Uses libraries", health: "Health check", deploy: "Deployment", observability: "Telemetry",
  stateful: "Stateful (keeps state between requests)", discovery: "Service discovery", auth: "Authentication",
  fallback: "Fallback when it fails", runtime: "Runtime", port: "Port", delivery: "Delivery guarantee",
  owner: "Owner (service)", broker: "Broker", channel: "Channel (topic / queue)",
};
export const label = (name) => LABELS[name] || name.replace(/_/g, " ").replace(/\bapi\b/gi, "API").replace(/^./, (c) => c.toUpperCase());

// Shorthands (a bare "orders-db" for {store: orders-db}) become objects, recursively, so a
// stored value and a form value compare equal when they mean the same.
export function normalize(value, type) {
  if (value === undefined || value === null) return undefined;
  switch (type.t) {
    case "obj": {
      if (typeof value !== "object" || Array.isArray(value)) {
        return type.shorthand ? normalize({ [type.shorthand]: value }, type) : value;
      }
      const out = {};
      for (const f of type.fields) {
        const v = normalize(value[f.name], f.type);
        if (v !== undefined) out[f.name] = v;
      }
      for (const [k, v] of Object.entries(value)) if (k.startsWith("x-")) out[k] = v;
      return out;
    }
    case "list":
      return Array.isArray(value) ? value.map((v) => normalize(v, type.item)) : value;
    case "oneof": {
      const opt = pickOption(type, value);
      return opt ? normalize(value, opt) : value;
    }
    default:
      return value;
  }
}

export const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

function pickOption(type, value) {
  const kind = Array.isArray(value) ? "array" : typeof value;
  return type.options.find((o) =>
    (kind === "number" && (o.t === "int" || o.t === "num")) ||
    (kind === "boolean" && o.t === "bool") ||
    (kind === "string" && (o.t === "enum" ? o.values.includes(value) : o.t === "str" || o.t === "slug")) ||
    (kind === "object" && (o.t === "obj" || o.t === "map")));
}

function optionLabel(o) {
  return { int: "number", num: "number", bool: "yes / no", obj: "details", enum: o.values ? o.values.join(" / ") : "choice", str: "text" }[o.t] || o.t;
}

function select(id, options, value, attrs = {}) {
  const el = h("select", { id, ...attrs });
  for (const [v, text] of options) el.append(h("option", { value: v, text }));
  el.value = value ?? "";
  return el;
}

// Above this many candidates a reference is typed with suggestions instead of picked from a
// <select>: a big model would otherwise build tens of thousands of <option>s per form.
const BIG_PICKER = 300;
const datalists = new Map(); // "service|api" -> {el, sig}: one shared <datalist> per kind

function sharedDatalist(refs, known) {
  const key = refs.join("|");
  const sig = known.map(([v]) => v).join(",");
  let entry = datalists.get(key);
  if (!entry || entry.sig !== sig) {
    const el = entry ? entry.el : h("datalist", { id: `dl-${refs.join("-")}` });
    el.replaceChildren(...known.map(([v, text]) => h("option", { value: v, label: text })));
    if (!entry) document.body.append(el);
    entry = { el, sig };
    datalists.set(key, entry);
  }
  return entry.el.id;
}

function searchPicker(id, type, known, value, ctx, changed) {
  const what = type.ref.join(" or ");
  const el = h("input", {
    id, type: "text", list: sharedDatalist(type.ref, known), readonly: ctx.readOnly, autocomplete: "off",
    spellcheck: "false", placeholder: `type to search ${known.length} (${what})`, oninput: changed,
  });
  el.value = value ?? "";
  const ids = new Set(known.map(([v]) => v));
  return {
    el, id, focus: () => el.focus(), set: (v) => { el.value = v ?? ""; },
    get: () => {
      const v = el.value.trim();
      if (v === "") return undefined;
      if (!ids.has(v) && v !== value) throw new FieldError(`unknown ${what} '${v}'`);
      return v;
    },
  };
}

// ctx: {ids(refKinds) -> [[id, label]], readOnly, onChange}
export function widget(type, value, ctx, field = {}) {
  const id = nextId("f");
  const ro = ctx.readOnly;
  const dflt = field.default !== undefined && field.default !== null ? `default: ${field.default}` : "not set";
  const changed = () => ctx.onChange && ctx.onChange();
  switch (type.t) {
    case "str": case "date": {
      const long = field.name === "description" || type.max > 2000;
      const el = long
        ? h("textarea", { id, rows: 3, readonly: ro, maxlength: type.max, oninput: changed })
        : h("input", { id, type: type.t === "date" ? "date" : "text", readonly: ro, maxlength: type.max, oninput: changed });
      el.value = value ?? "";
      return { el, id, focus: () => el.focus(), get: () => (el.value === "" ? undefined : el.value), set: (v) => { el.value = v ?? ""; } };
    }
    case "slug": {
      if (!type.ref.length) {
        const el = h("input", { id, type: "text", readonly: ro, pattern: "[a-z][a-z0-9-]*", autocomplete: "off", oninput: changed });
        el.value = value ?? "";
        return { el, id, focus: () => el.focus(), get: () => (el.value === "" ? undefined : el.value), set: (v) => { el.value = v ?? ""; } };
      }
      const known = ctx.ids(type.ref);
      if (known.length > BIG_PICKER) return searchPicker(id, type, known, value, ctx, changed);
      const opts = [["", `— ${field.required ? "choose" : "none"} —`], ...known];
      if (value && !opts.some(([v]) => v === value)) opts.push([value, `${value} (unknown)`]);
      const el = select(id, opts, value, { disabled: ro, onchange: changed });
      return { el, id, focus: () => el.focus(), get: () => (el.value === "" ? undefined : el.value), set: (v) => { el.value = v ?? ""; } };
    }
    case "int": case "num": {
      const el = h("input", { id, type: "number", readonly: ro, min: type.min ?? undefined, max: type.max ?? undefined, step: type.t === "int" ? 1 : "any", placeholder: field.default ?? "", oninput: changed });
      el.value = value ?? "";
      return {
        el, id, focus: () => el.focus(), set: (v) => { el.value = v ?? ""; },
        get: () => {
          if (el.value === "") return undefined;
          const n = Number(el.value);
          return type.t === "int" && Number.isInteger(n) ? n : n;
        },
      };
    }
    case "bool": {
      const el = select(id, [["", `— ${dflt} —`], ["true", "yes"], ["false", "no"]], value === undefined ? "" : String(value), { disabled: ro, onchange: changed });
      return { el, id, focus: () => el.focus(), get: () => (el.value === "" ? undefined : el.value === "true"), set: (v) => { el.value = v === undefined ? "" : String(v); } };
    }
    case "enum": {
      const el = select(id, [["", `— ${dflt} —`], ...type.values.map((v) => [String(v), String(v)])], value, { disabled: ro, onchange: changed });
      return { el, id, focus: () => el.focus(), get: () => (el.value === "" ? undefined : type.values.find((v) => String(v) === el.value)), set: (v) => { el.value = v ?? ""; } };
    }
    case "json": case "map": {
      const el = h("textarea", { id, rows: 4, class: "mono", readonly: ro, placeholder: "JSON", oninput: changed });
      el.value = value === undefined || value === null ? "" : JSON.stringify(value, null, 2);
      return {
        el, id, focus: () => el.focus(), set: (v) => { el.value = v === undefined ? "" : JSON.stringify(v, null, 2); },
        get: () => {
          if (el.value.trim() === "") return undefined;
          try { return JSON.parse(el.value); } catch (e) { throw new FieldError(`not valid JSON: ${e.message}`); }
        },
      };
    }
    case "list": return listWidget(type, value, ctx, field, id);
    case "obj": return objWidget(type, value, ctx, id);
    case "oneof": return oneOfWidget(type, value, ctx, field, id);
    default: {
      const el = h("input", { id, type: "text", readonly: true, value: JSON.stringify(value ?? "") });
      return { el, id, focus: () => el.focus(), get: () => value, set: () => {} };
    }
  }
}

export class FieldError extends Error {}

function listWidget(type, value, ctx, field, id) {
  const items = Array.isArray(value) ? value : [];
  const item = type.item;
  const changed = () => ctx.onChange && ctx.onChange();
  if (item.t === "slug" && item.ref.length) {
    // A multi-picker of element ids.
    const box = h("div", { class: "checks", id, role: "group" });
    const render = (vals) => {
      box.replaceChildren();
      const opts = ctx.ids(item.ref);
      for (const v of vals) if (!opts.some(([o]) => o === v)) opts.push([v, `${v} (unknown)`]);
      if (!opts.length) box.append(h("span", { class: "muted", text: `no ${item.ref.join("/")} yet` }));
      for (const [v, text] of opts) {
        box.append(h("label", { class: "check" }, h("input", { type: "checkbox", value: v, checked: vals.includes(v), disabled: ctx.readOnly, onchange: changed }), text));
      }
    };
    render(items);
    const get = () => {
      const vals = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      return vals.length ? vals : undefined;
    };
    return { el: box, id, focus: () => box.querySelector("input")?.focus(), get, set: (v) => render(Array.isArray(v) ? v : []) };
  }
  if (item.t !== "obj") {
    const el = h("input", { id, type: "text", readonly: ctx.readOnly, placeholder: "comma, separated", oninput: changed });
    el.value = items.join(", ");
    return {
      el, id, focus: () => el.focus(), set: (v) => { el.value = (v || []).join(", "); },
      get: () => {
        const vals = el.value.split(",").map((s) => s.trim()).filter(Boolean);
        return vals.length ? vals : undefined;
      },
    };
  }
  // A repeatable sub-form: one row per item, add and remove.
  const box = h("div", { class: "rows", id });
  const rows = [];
  const list = h("div", { class: "rows-list" });
  const addRow = (v) => {
    const w = objWidget(item, normalize(v, item) || {}, ctx, nextId("r"), true);
    const row = h("div", { class: "row" }, w.el);
    const entry = { w, row };
    if (!ctx.readOnly) {
      row.append(h("button", {
        type: "button", class: "button-icon", "aria-label": `Remove this ${item.name}`, title: "Remove",
        onclick: () => { rows.splice(rows.indexOf(entry), 1); row.remove(); changed(); },
      }, "×"));
    }
    rows.push(entry);
    list.append(row);
    return w;
  };
  items.forEach(addRow);
  box.append(list);
  if (!ctx.readOnly) {
    box.append(h("button", { type: "button", class: "button-ghost button-small", onclick: () => { addRow({}).focus(); changed(); } }, `+ add ${item.name.replace(/-/g, " ")}`));
  }
  return {
    el: box, id, focus: () => (rows[0] ? rows[0].w.focus() : box.querySelector("button")?.focus()),
    get: () => {
      const vals = rows.map((r) => r.w.get()).filter((v) => v !== undefined);
      return vals.length ? vals : undefined;
    },
    set: (v) => { rows.splice(0).forEach((r) => r.row.remove()); (v || []).forEach(addRow); },
  };
}

function objWidget(type, value, ctx, id, compact = false) {
  const v = normalize(value, type) || {};
  const box = h(compact ? "div" : "fieldset", { class: compact ? "obj obj-compact" : "obj", id });
  const subs = [];
  for (const f of type.fields) {
    const w = widget(f.type, v[f.name], ctx, f);
    subs.push([f, w]);
    box.append(h("div", { class: "sub" }, h("label", { for: w.id, text: label(f.name) + (f.required ? " *" : "") }), w.el));
  }
  return {
    el: box, id, focus: () => subs[0] && subs[0][1].focus(),
    get: () => {
      const out = {};
      for (const [f, w] of subs) {
        const x = w.get();
        if (x !== undefined) out[f.name] = x;
      }
      for (const [k, x] of Object.entries(v)) if (k.startsWith("x-")) out[k] = x;
      return Object.keys(out).length ? out : undefined;
    },
    set: (nv) => { const n = normalize(nv, type) || {}; for (const [f, w] of subs) w.set(n[f.name]); },
  };
}

function oneOfWidget(type, value, ctx, field, id) {
  const box = h("div", { class: "oneof" });
  const current = value === undefined ? null : pickOption(type, value);
  const modes = [["", field.default !== undefined && field.default !== null ? `— default: ${field.default} —` : "— not set —"],
    ...type.options.map((o, i) => [String(i), optionLabel(o)])];
  const modeSel = select(id, modes, current ? String(type.options.indexOf(current)) : "", { disabled: ctx.readOnly, "aria-label": `${label(field.name || "value")}: form` });
  const slot = h("div", { class: "oneof-slot" });
  let inner = null;
  const show = (val) => {
    slot.replaceChildren();
    inner = null;
    if (modeSel.value === "") return;
    const opt = type.options[Number(modeSel.value)];
    inner = widget(opt, val, ctx, { ...field, default: undefined });
    slot.append(inner.el);
  };
  modeSel.addEventListener("change", () => { show(undefined); ctx.onChange && ctx.onChange(); });
  show(value);
  box.append(modeSel, slot);
  return {
    el: box, id, focus: () => modeSel.focus(),
    get: () => (inner ? inner.get() : undefined),
    set: (nv) => {
      const o = nv === undefined ? null : pickOption(type, nv);
      modeSel.value = o ? String(type.options.indexOf(o)) : "";
      show(nv);
    },
  };
}
