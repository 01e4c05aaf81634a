// The findings pane: the rule report grouped by severity, a page at a time; clicking one selects
// its element; Suppress… adds a suppression op with a reason.
import { request } from "./api.js";
import { h, label } from "./forms.js";
import { keyOf } from "./model.js";
import { $, cfg, MODEL, state, notify, postOps, actions } from "./store.js";


export const SEVERITIES = ["error", "warning", "info"];

export async function loadFindings() {
  const body = $("ed-findings-body");
  let report;
  try {
    ({ body: report } = await request("GET", `${MODEL}/findings`));
  } catch (e) {
    body.replaceChildren(h("p", { class: "field-error", text: e.status === 422 ? `The rule configuration is invalid: ${e.errors.map((x) => x.message).join("; ")}` : `Findings unavailable: ${e.message}` }));
    return;
  }
  const s = report.summary || {};
  $("ed-findings-summary").replaceChildren(...SEVERITIES.map((sev) => h("span", { class: `count count-${sev}`, title: `${s[sev] || 0} ${sev}` }, String(s[sev] || 0))));
  body.replaceChildren();
  const active = report.findings.filter((f) => !f.suppressed);
  if (!report.findings.length) {
    body.append(h("p", { class: "muted ed-empty", text: state.index && state.index.entries.length ? "No findings: every rule passes." : "No findings yet. Add services and connect them; the rules check every change." }));
    return;
  }
  for (const sev of SEVERITIES) {
    const items = active.filter((f) => f.severity === sev);
    if (!items.length) continue;
    const det = h("details", { class: `fd-group fd-${sev}`, open: true }, h("summary", {}, h("span", { text: label(sev) }), h("span", { class: "ol-count", text: String(items.length) })));
    const ul = h("ul", { class: "fd-list" });
    appendPaged(ul, items);
    det.append(ul);
    body.append(det);
  }
  const sup = report.findings.filter((f) => f.suppressed);
  if (sup.length) {
    const det = h("details", { class: "fd-group fd-suppressed" }, h("summary", {}, h("span", { text: "Suppressed" }), h("span", { class: "ol-count", text: String(sup.length) })));
    const ul = h("ul", { class: "fd-list" });
    appendPaged(ul, sup);
    det.append(ul);
    body.append(det);
  }
}

// A big model has tens of thousands of findings: draw them a page at a time, so every change
// stays fast, with a button for the next page.
export const FINDINGS_PAGE = 200;
export function appendPaged(ul, items, shown = 0) {
  const next = items.slice(shown, shown + FINDINGS_PAGE);
  next.forEach((f) => ul.append(findingItem(f)));
  const rest = items.length - shown - next.length;
  if (rest <= 0) return;
  const more = h("li", { class: "fd-more" }, h("button", { type: "button", class: "link-button", onclick: () => {
    more.remove();
    appendPaged(ul, items, shown + next.length);
  } }, `Show ${Math.min(FINDINGS_PAGE, rest)} more (${rest} not shown)`));
  ul.append(more);
}

export function findingTarget(f) {
  if (!state.index) return null;
  if (f.target.includes("->") && state.index.byKey.has(keyOf("call", f.target))) return keyOf("call", f.target);
  const e = state.index.byId.get(f.target) || (f.elements || []).map((id) => state.index.byId.get(id)).find(Boolean);
  return e ? e.key : null;
}

// "gateway gateway runs 1 replica" under a bold "gateway" read as three gateways: show the
// message alone when it names its target, with element ids set as code.
export function findingText(f) {
  const ids = state.index ? state.index.byId : new Map();
  const words = String(f.message).split(/(\s+)/);
  const out = [];
  const mentions = words.some((w) => w.replace(/[.,;:()'"]/g, "") === f.target) || f.message.includes(f.target);
  if (!mentions) out.push(h("strong", { text: f.target }), " ");
  words.forEach((w, i) => {
    const bare = w.replace(/^[("']+|[).,;:'"]+$/g, "");
    // "gateway gateway runs ...": the first word is the kind, the second the id
    const kindWord = i === 0 && words[2] !== undefined && words[2].replace(/^[("']+|[).,;:'"]+$/g, "") === bare;
    if (bare && !kindWord && (ids.has(bare) || (bare.includes("->") && bare === f.target))) {
      const [pre, post] = w.split(bare);
      out.push(pre, h("code", { class: "fd-id", text: bare }), post);
    } else {
      out.push(i === 0 && !out.length ? w.charAt(0).toUpperCase() + w.slice(1) : w);
    }
  });
  return out;
}

export function findingItem(f) {
  const key = findingTarget(f);
  const li = h("li", { class: `fd sev-${f.severity}`, dataset: { rule: f.rule, target: f.target } });
  const main = h("button", { type: "button", class: "fd-main", disabled: !key, onclick: () => key && actions.select(key) },
    h("span", { class: `sev-dot sev-${f.severity}`, "aria-label": f.severity }),
    h("span", { class: "fd-text" }, ...findingText(f)));
  li.append(main);
  const meta = h("div", { class: "fd-meta" }, h("a", { href: `${cfg.rulesUrl}${f.rule}/`, target: "_blank", rel: "noopener", text: f.rule }));
  if (f.suppressed) meta.append(h("span", { class: "muted", text: ` — suppressed: ${f.suppression_reason || ""}` }));
  else if (cfg.canEdit) {
    meta.append(h("button", { type: "button", class: "link-button fd-suppress", "data-action": "suppress", onclick: () => suppressForm(li, f) }, "Suppress…"));
  }
  li.append(meta);
  if (f.fix && !f.suppressed) li.append(h("p", { class: "fd-fix muted", text: f.fix }));
  return li;
}

export function suppressForm(li, f) {
  if (li.querySelector("form")) return;
  const reason = h("textarea", { rows: 2, required: true, id: `why-${f.rule}-${f.target}`, placeholder: "Why is this acceptable?" });
  const expires = h("input", { type: "date", "aria-label": "Expires (optional)" });
  const err = h("p", { class: "field-error", hidden: true });
  const form = h("form", { class: "fd-suppress-form", novalidate: true, onsubmit: async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) { err.hidden = false; err.textContent = "A suppression needs a reason."; reason.focus(); return; }
    const value = { reason: reason.value.trim() };
    if (expires.value) value.expires = expires.value;
    try {
      const result = await postOps([{ op: "add", kind: "suppression", id: `${f.rule}:${f.target}`, value }]);
      notify(`Suppressed ${f.rule} for ${f.target}.`, "success");
      await actions.catchUp(result.revision.number);
    } catch (e) {
      err.hidden = false; err.textContent = e.errors?.map((x) => x.message).join("; ") || e.message;
    }
  }, onkeydown: (ev) => { if (ev.key === "Escape") { ev.stopPropagation(); form.remove(); } } },
  h("label", { for: reason.id, text: "Reason" }), reason, h("label", {}, "Expires ", expires), err,
  h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-small" }, "Suppress"),
    h("button", { type: "button", class: "button-ghost button-small", onclick: () => form.remove() }, "Cancel")));
  li.append(form);
  reason.focus();
}
