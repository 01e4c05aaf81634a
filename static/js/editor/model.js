// An index of a model document: every element the editor can select, with its address (what
// element ops use), its JSON pointer in the document (what validation errors point at) and a key.

export const KIND_LABELS = {
  domain: "Domains", team: "Teams", actor: "Actors", service: "Services", api: "APIs",
  call: "Calls", route: "Routes", datastore: "Datastores", broker: "Brokers", event: "Events",
  library: "Libraries", saga: "Sagas", suppression: "Suppressions",
};
export const KIND_ORDER = ["service", "api", "call", "route", "event", "broker", "datastore", "team", "domain", "actor", "saga", "library", "suppression"];

export const keyOf = (kind, address) => `${kind}:${address}`;

const asObj = (v, shorthand) => (v && typeof v === "object" ? v : { [shorthand]: v });

export function indexDocument(doc, collections) {
  const byKey = new Map();
  const byId = new Map(); // plain ids (one namespace) → entry
  const put = (e) => {
    e.key = keyOf(e.kind, e.address + (e.keySuffix || ""));
    if (!byKey.has(e.key)) byKey.set(e.key, e);
    if (e.id && !byId.has(e.id)) byId.set(e.id, e);
  };
  for (const [coll, kind] of Object.entries(collections)) {
    (doc[coll] || []).forEach((item, i) => {
      if (!item || typeof item !== "object") return;
      const path = `/${coll}/${i}`;
      put({ kind, address: item.id, id: item.id, parent: null, path, value: item, title: item.title });
      if (kind !== "service" && kind !== "actor") return;
      (item.apis || []).forEach((api, j) => {
        put({ kind: "api", address: api.id, id: api.id, parent: item.id, path: `${path}/apis/${j}`, value: api, title: api.title });
      });
      const seen = {};
      (item.calls || []).forEach((c, j) => {
        const call = asObj(c, "to");
        const edge = `${item.id}->${call.to}`;
        const n = (seen[edge] = (seen[edge] ?? -1) + 1);
        put({ kind: "call", address: edge, parent: item.id, index: n, dup: n, path: `${path}/calls/${j}`, value: call, keySuffix: n ? `#${n}` : "" });
      });
      (item.routes || []).forEach((r, j) => {
        put({ kind: "route", address: r.path, parent: item.id, path: `${path}/routes/${j}`, value: r, label: `${item.id} ${r.path}` });
      });
    });
  }
  (doc.suppressions || []).forEach((s, i) => {
    put({ kind: "suppression", address: `${s.rule}:${s.target}`, path: `/suppressions/${i}`, value: s });
  });
  return { doc, byKey, byId, entries: [...byKey.values()] };
}

export function displayName(e) {
  if (!e) return "";
  if (e.kind === "route") return `${e.parent} ${e.address}`;
  if (e.kind === "call") return e.address.replace("->", " → ");
  return e.address;
}

// The op fields that address an existing element.
export function addressOf(e) {
  const op = { kind: e.kind, id: e.address };
  if (e.kind === "api" || e.kind === "route") op.parent = e.parent;
  if (e.kind === "call" && e.index) op.index = e.index;
  return op;
}

// The document a model.changed event's `delta` was made for, from the one it was made against
// (its `base` revision): the same replay as apps.archmodel.delta.apply_delta. A delta knows only
// that a top-level list of items with unique string ids is a collection of elements.
export function applyDelta(old, delta) {
  const values = delta.values || {};
  const lists = delta.lists || {};
  const doc = {};
  for (const key of delta.keys) {
    if (key in values) doc[key] = values[key];
    else if (key in lists) doc[key] = applyListDelta(old[key], lists[key]);
    else doc[key] = old[key];
  }
  return doc;
}

function applyListDelta(items, change) {
  const removed = new Set(change.del || []);
  const put = change.put || {};
  const byId = new Map(items.map((item) => [item.id, item]));
  const order = change.order
    || [...[...byId.keys()].filter((id) => !removed.has(id)), ...Object.keys(put).filter((id) => !byId.has(id))];
  return order.map((id) => (id in put ? put[id] : byId.get(id)));
}
