// The exports panel: start an export job, follow its progress (websocket `export.progress`
// events, with polling as a fallback), download the bundle, list earlier jobs.
import { request } from "./api.js";
import { h } from "./forms.js";

export function initExports({ root, model, api, canEdit, notify }) {
  let loaded = false;
  let available = true;
  const jobs = new Map();
  const bars = new Map();

  const jobId = (j) => j.id ?? j.job;
  const stateOf = (j) => j.state || j.status || "queued";
  const DONE = ["succeeded", "failed"];
  const pct = (j) => Math.max(0, Math.min(100, Math.round(j.progress ?? (stateOf(j) === "succeeded" ? 100 : 0))));

  function row(j) {
    const id = jobId(j);
    const bar = h("progress", { max: 100, value: pct(j), "aria-label": `Export ${id} progress` });
    const status = h("span", { class: "job-status" });
    const link = h("span", { class: "job-download" });
    const li = h("li", { class: "job", dataset: { job: id } }, h("span", { class: "job-target" }, h("strong", { text: j.target || "bundle" }), h("span", { class: "muted", text: j.revision ? ` rev ${j.revision}` : "" })), bar, status, link);
    bars.set(String(id), { li, bar, status, link });
    paint(j);
    return li;
  }

  function paint(j) {
    const b = bars.get(String(jobId(j)));
    if (!b) return;
    b.bar.value = pct(j);
    const st = stateOf(j);
    b.status.textContent = `${st}${st === "running" ? ` ${pct(j)}%` : ""}` + (j.message && st !== "succeeded" ? ` — ${j.message}` : "") + (j.error ? ` — ${j.error}` : "");
    b.status.className = `job-status status-${st}`;
    b.li.dataset.state = st;
    const url = j.download_url || (st === "succeeded" ? `${api}/exports/${jobId(j)}/download` : null);
    if (st === "succeeded" && url && !b.link.firstChild) {
      b.link.append(h("a", { class: "button button-small", href: url, download: "", "data-action": "download" }, "Download"));
    }
  }

  async function list() {
    try {
      const { body } = await request("GET", `${model}/exports`);
      const items = Array.isArray(body) ? body : body.items || body.jobs || [];
      for (const j of items) jobs.set(String(jobId(j)), j);
    } catch (e) {
      if (e.status === 404 || e.status === 405) { available = e.status !== 404 || jobs.size > 0; }
    }
  }

  async function render() {
    root.replaceChildren();
    if (!available) {
      root.append(h("p", { class: "muted ed-empty", text: "Exports are not available on this server yet." }));
      return;
    }
    if (canEdit) {
      const target = h("select", { name: "target", id: "ex-target" },
        ...[["all", "everything"], ["compose", "Docker Compose"], ["kubernetes", "Kubernetes"], ["docs", "Architecture document"]].map(([v, t]) => h("option", { value: v, text: t })));
      const form = h("form", { class: "ed-toolbar", onsubmit: async (ev) => {
        ev.preventDefault();
        try {
          const { body } = await request("POST", `${model}/exports`, { json: { target: target.value } });
          jobs.set(String(jobId(body)), body);
          render();
          poll(jobId(body));
        } catch (e) {
          notify(`Export not started: ${e.errors?.map((x) => x.message).join("; ") || e.message}`, "error");
        }
      } }, h("label", { for: "ex-target", text: "Target " }), target, h("button", { type: "submit", class: "button-small", "data-action": "export" }, "Start export"));
      root.append(form);
    }
    const ul = h("ul", { class: "jobs" });
    const all = [...jobs.values()].sort((a, b) => Number(jobId(b)) - Number(jobId(a)));
    all.forEach((j) => ul.append(row(j)));
    root.append(all.length ? ul : h("p", { class: "muted ed-empty", text: "No exports yet. An export turns the model into a runnable bundle: Docker Compose, Kubernetes manifests and service skeletons, as one zip." }));
  }

  async function poll(id) {
    // Progress normally arrives over the websocket; polling covers a dropped connection.
    for (let i = 0; i < 600; i++) {
      const j = jobs.get(String(id));
      if (j && DONE.includes(stateOf(j))) return;
      await new Promise((r) => setTimeout(r, 1000));
      try {
        const { body } = await request("GET", `${api}/exports/${id}`);
        update(body);
      } catch { /* keep waiting */ }
    }
  }

  function update(j) {
    const id = String(jobId(j));
    const merged = { ...(jobs.get(id) || {}), ...j };
    jobs.set(id, merged);
    if (!bars.has(id)) { if (loaded) render(); return; }
    paint(merged);
  }

  return {
    async show() {
      if (!loaded) { await list(); loaded = true; }
      render();
    },
    progress(msg) {
      const id = msg.job ?? msg.id;
      if (id === undefined) return;
      update({ ...msg, id, type: undefined });
    },
  };
}
