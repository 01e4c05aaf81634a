// The YAML tab (the whole document, applied with If-Match) and the History tab (revisions, a
// diff of two, revert).
import { request } from "./api.js";
import { h } from "./forms.js";
import { $, cfg, MODEL, state, notify, avatar, actions } from "./store.js";

// --- YAML ---------------------------------------------------------------------------------------

export const yaml = () => $("ed-yaml");

export const yamlVisible = () => !$("panel-yaml").hidden;

export async function loadYaml(force = false) {
  state.yamlStale = false;
  if (state.yamlDirty && !force) {
    if (state.yamlRevision !== state.revision) {
      $("ed-yaml-state").textContent = `The model changed (now revision ${state.revision}) while you edit: applying will be refused until you reload and redo your edit.`;
      $("ed-yaml-state").classList.add("warn");
    }
    return;
  }
  const res = await request("GET", `${MODEL}/export?format=yaml`, { raw: true });
  yaml().value = await res.text();
  state.yamlRevision = Number((res.headers.get("ETag") || "").replace(/\D/g, "")) || state.revision;
  state.yamlDirty = false;
  $("ed-yaml-state").textContent = `Revision ${state.yamlRevision}. Edit the whole model here and apply.`;
  $("ed-yaml-state").classList.remove("warn");
  $("ed-yaml-errors").replaceChildren();
  gutter();
}

export function gutter(bad = new Set()) {
  const n = yaml().value.split("\n").length;
  const g = $("ed-yaml-gutter");
  g.replaceChildren(...Array.from({ length: n }, (_, i) => h("span", { class: bad.has(i + 1) ? "bad" : "", text: `${i + 1}\n` })));
  g.scrollTop = yaml().scrollTop;
}

export function goToLine(line) {
  const ta = yaml();
  const lines = ta.value.split("\n");
  const start = lines.slice(0, line - 1).reduce((a, l) => a + l.length + 1, 0);
  ta.focus();
  ta.setSelectionRange(start, start + (lines[line - 1] || "").length);
  ta.scrollTop = Math.max(0, (line - 5) * parseFloat(getComputedStyle(ta).lineHeight || "18"));
}

export async function applyYaml() {
  const box = $("ed-yaml-errors");
  box.replaceChildren();
  try {
    const { body } = await request("PUT", `${MODEL}/document`, { text: yaml().value, contentType: "application/yaml", headers: { "If-Match": `"${state.yamlRevision}"` } });
    state.yamlDirty = false;
    notify(body.changed ? `Applied: revision ${body.revision.number}.` : "No change: the YAML is the same model.", "success");
    await actions.refresh({ author: cfg.user });
  } catch (e) {
    if (e.status === 409) {
      box.append(h("div", { class: "notice notice-warn" },
        h("p", { text: `Not applied: the model changed since revision ${state.yamlRevision} (it is now at revision ${e.body.current_revision}). Someone else saved in the meantime. Your text is still here: copy what you need, reload, and apply again.` }),
        h("button", { type: "button", class: "button-small", onclick: () => loadYaml(true) }, "Reload (discards my text)")));
    } else if (e.status === 422 && e.errors.length) {
      const bad = new Set(e.errors.map((x) => x.line).filter(Boolean));
      box.append(h("p", { text: `Not applied: ${e.errors.length} problem(s). Nothing changed.` }),
        h("ul", { class: "error-list" }, ...e.errors.map((x) => h("li", {},
          x.line ? h("button", { type: "button", class: "link-button", onclick: () => goToLine(x.line) }, `line ${x.line}`) : h("code", { text: x.pointer || "/" }),
          `: ${x.message}`))));
      gutter(bad);
    } else {
      box.append(h("p", { text: `Not applied: ${e.message}` }));
    }
  }
}

// --- history ----------------------------------------------------------------------------------

export const historyVisible = () => !$("panel-history").hidden;

export async function loadHistory() {
  const { body: revs } = await request("GET", `${MODEL}/revisions`);
  const ol = $("ed-revisions");
  ol.replaceChildren();
  const f = $("ed-diff-form");
  const opts = () => revs.map((r) => h("option", { value: r.number, text: `${r.number} — ${r.author}` }));
  const [fromV, toV] = [f.elements.from.value, f.elements.to.value];
  f.elements.from.replaceChildren(...opts());
  f.elements.to.replaceChildren(...opts());
  f.elements.to.value = toV || String(revs[0]?.number || 1);
  f.elements.from.value = fromV || String(revs[1]?.number || revs[0]?.number || 1);
  for (const r of revs) {
    const current = r.number === state.revision;
    ol.append(h("li", { class: "rev", dataset: { number: r.number } },
      h("div", { class: "rev-head" }, h("strong", { text: `#${r.number}` }), " ", avatar(r.author, "sm"), h("span", { text: ` ${r.author}` }),
        h("time", { class: "muted", datetime: r.created, text: new Date(r.created).toLocaleString() })),
      h("ul", { class: "rev-summary" }, ...r.summary.slice(0, 4).map((s) => h("li", { text: s })), r.summary.length > 4 ? h("li", { class: "muted", text: `… ${r.summary.length - 4} more` }) : null),
      h("div", { class: "rev-actions" },
        r.number > 1 ? h("button", { type: "button", class: "link-button", onclick: () => showDiff(r.number - 1, r.number) }, "Changes") : null,
        cfg.canEdit && !current ? h("button", { type: "button", class: "link-button", "data-action": "revert", onclick: () => revert(r.number) }, "Revert to this") : null,
        current ? h("span", { class: "badge", text: "current" }) : null)));
  }
}

export async function showDiff(from, to) {
  const f = $("ed-diff-form");
  f.elements.from.value = from; f.elements.to.value = to;
  const box = $("ed-diff");
  try {
    const { body } = await request("GET", `${MODEL}/diff?from=${from}&to=${to}`);
    const pre = h("pre", { class: "diff" });
    for (const line of body.yaml.split("\n")) {
      const cls = line.startsWith("+") ? "add" : line.startsWith("-") ? "del" : line.startsWith("@") ? "hunk" : "";
      pre.append(h("span", { class: cls, text: `${line}\n` }));
    }
    box.replaceChildren(h("h3", { text: `Revision ${from} → ${to}` }), body.yaml.trim() ? pre : h("p", { class: "muted", text: "No differences." }));
  } catch (e) {
    box.replaceChildren(h("p", { class: "field-error", text: e.message }));
  }
}

export async function revert(number) {
  try {
    const { body } = await request("POST", `${MODEL}/revisions/${number}/revert`);
    notify(`Reverted to revision ${number} (as revision ${body.revision.number}).`, "success");
    await actions.refresh({ author: cfg.user });
  } catch (e) {
    notify(`Could not revert: ${e.message}`, "error");
  }
}
