// What a drag from one element onto another means: the ops that create the connection (one
// write, one revision), their inverse for undo, or why it cannot be made. Pure functions of the
// model index, so they are easy to reason about and to test.

const asObj = (v, key) => (v && typeof v === "object" ? v : { [key]: v });
const list = (v) => (Array.isArray(v) ? v : []);

// The kind a person sees: a service's own kind (gateway, worker, ...) or the element kind.
export function lookOf(e) {
  return e.kind === "service" ? e.value.kind || "service" : e.kind;
}

const article = (w) => (/^[aeiou]/.test(w) ? `an ${w}` : `a ${w}`);

// Slug of a title, unique among `taken`: "Order service" -> "order-service" (-2, -3, ...).
export function slugify(title, taken, fallback = "element") {
  let base = String(title || "").toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56).replace(/-+$/, "");
  if (!/^[a-z]/.test(base)) base = base ? `${fallback}-${base}` : fallback;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

// One more entry in a service's list (data, publishes, subscribes): an add op of that
// connection (kinds data / publish / subscribe, addressed "service->target"), which the server
// appends, so two people connecting at once both keep theirs.
const LINK_KIND = { data: "data", publishes: "publish", subscribes: "subscribe" };
const LINK_FIELD = { data: ["data", "store"], publish: ["publishes", "event"], subscribe: ["subscribes", "event"] };

function appendTo(service, field, entry, key, already) {
  if (list(service.value[field]).some((x) => asObj(x, key)[key] === entry[key])) return { error: already };
  const op = { op: "add", kind: LINK_KIND[field], id: `${service.id}->${entry[key]}` };
  if (Object.keys(entry).length > 1) op.value = entry;
  return {
    ops: [op],
    inverse: [{ op: "remove", kind: op.kind, id: op.id }],
    // Undo watches this one entry (linkOf), not the whole service: someone else editing the
    // service's other fields or connections since does not block undoing it.
    keys: [`${op.kind}:${op.id}`],
    select: `service:${service.id}`,
  };
}

// A key "data:orders->orders-db" ("publish:…", "subscribe:…") as {kind, service, target}, or
// null when it names no such link.
function linkParts(key) {
  const [kind, ...rest] = key.split(":");
  if (!LINK_FIELD[kind]) return null;
  const id = rest.join(":");
  const at = id.indexOf("->");
  return { kind, service: id.slice(0, at), target: id.slice(at + 2) };
}

// The entry of a service's data / publishes / subscribes list that a link key names, or
// undefined when the key is no such link; null when the service or the entry is gone.
export function linkOf(key, index) {
  const l = linkParts(key);
  if (!l) return undefined;
  const service = index && index.byKey.get(`service:${l.service}`);
  const [field, name] = LINK_FIELD[l.kind];
  return (service && list(service.value[field]).find((x) => asObj(x, name)[name] === l.target)) ?? null;
}

// The key of what shows an element: a link is shown by its service.
export function shownBy(key) {
  const l = linkParts(key);
  return l ? `service:${l.service}` : key;
}

// {ops, inverse, keys, select, label} | {error} | {ask: {role, broker, events}} for a drag a -> b.
export function connection(a, b, index) {
  if (!a || !b) return { error: "Drop on an element of the diagram to connect to it." };
  const la = lookOf(a), lb = lookOf(b);
  if (a.id === b.id) return { error: `${a.id} cannot be connected to itself.` };
  if (b.kind === "service" && lb !== "external" && a.kind === "service" && la === "gateway") {
    const routes = list(a.value.routes);
    if (routes.some((r) => r && r.to === b.id)) return { error: `${a.id} already routes to ${b.id}` };
    const taken = new Set(routes.map((r) => r && r.path));
    let path = `/${b.id}`;
    for (let n = 2; taken.has(path); n++) path = `/${b.id}-${n}`;
    return {
      ops: [{ op: "add", kind: "route", parent: a.id, id: path, value: { to: b.id } }],
      inverse: [{ op: "remove", kind: "route", parent: a.id, id: path }],
      keys: [`route:${path}`], select: `route:${path}`, label: `${a.id} routes ${path} to ${b.id}`,
    };
  }
  if (b.kind === "service" && (a.kind === "actor" || a.kind === "service")) {
    if (list(a.value.calls).some((c) => asObj(c, "to").to === b.id)) return { error: `${a.id} already calls ${b.id}` };
    const id = `${a.id}->${b.id}`;
    return {
      ops: [{ op: "add", kind: "call", id }], inverse: [{ op: "remove", kind: "call", id }],
      keys: [`call:${id}`], select: `call:${id}`, label: `${a.id} calls ${b.id}`,
    };
  }
  if (a.kind === "service" && b.kind === "datastore") {
    const r = appendTo(a, "data", { store: b.id }, "store", // read-write, the default
      `${a.id} already accesses ${b.id}`);
    return { ...r, label: `${a.id} reads and writes ${b.id}` };
  }
  if (a.kind === "service" && b.kind === "event") {
    const r = appendTo(a, "publishes", { event: b.id }, "event", `${a.id} already publishes ${b.id}`);
    return { ...r, label: `${a.id} publishes ${b.id}` };
  }
  if (a.kind === "event" && b.kind === "service") {
    const r = appendTo(b, "subscribes", { event: a.id }, "event", `${b.id} already subscribes to ${a.id}`);
    return { ...r, label: `${b.id} subscribes to ${a.id}` };
  }
  if (a.kind === "service" && b.kind === "broker") {
    return { ask: { role: "publish", service: a, broker: b, events: eventsOf(b.id, index) } };
  }
  if (a.kind === "broker" && b.kind === "service") {
    return { ask: { role: "subscribe", service: b, broker: a, events: eventsOf(a.id, index) } };
  }
  return { error: `${article(la)} (${a.id}) cannot connect to ${article(lb)} (${b.id}). Drag from a service to a service, datastore, event or broker; from an actor to a service; from an event or broker to a subscriber.` };
}

function eventsOf(broker, index) {
  return index.entries.filter((e) => e.kind === "event" && e.value.broker === broker).map((e) => e.id);
}

// The answer to an ask: publish or subscribe to an existing event, or to a new one (added in
// the same write, so it is still one op list and one revision).
export function eventConnection(ask, choice, index) {
  const ops = [], inverse = [], keys = [];
  let event = choice.event;
  if (!event) {
    event = slugify(choice.title, new Set(index.byId.keys()), "event");
    ops.push({ op: "add", kind: "event", id: event, value: { title: choice.title, broker: ask.broker.id } });
    keys.push(`event:${event}`);
  }
  const svc = ask.service;
  const field = ask.role === "publish" ? "publishes" : "subscribes";
  const r = appendTo(svc, field, { event }, "event", `${svc.id} already ${ask.role === "publish" ? "publishes" : "subscribes to"} ${event}`);
  if (r.error) return r;
  ops.push(...r.ops);
  inverse.push(...r.inverse);
  if (!choice.event) inverse.push({ op: "remove", kind: "event", id: event });
  return { ops, inverse, keys: [...keys, ...r.keys], select: choice.event ? r.select : `event:${event}`, label: `${svc.id} ${ask.role === "publish" ? "publishes" : "subscribes to"} ${event}` };
}
