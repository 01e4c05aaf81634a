// The HTTP API, as the editor uses it: session auth with the CSRF header, JSON errors.
export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.detail && typeof body.detail === "string") ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.errors = Array.isArray(this.body.errors) ? this.body.errors : [];
  }
}

export async function request(method, url, { json, text, contentType, headers = {}, raw = false } = {}) {
  const init = { method, headers: { ...headers }, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (text !== undefined) {
    init.headers["Content-Type"] = contentType || "text/plain";
    init.body = text;
  }
  const res = await fetch(url, init);
  if (raw && res.ok) return res;
  const type = res.headers.get("Content-Type") || "";
  let body = null;
  if (type.includes("json")) body = await res.json().catch(() => null);
  else body = await res.text();
  if (!res.ok) throw new ApiError(res.status, typeof body === "object" ? body : { detail: String(body).slice(0, 300) });
  return { body, res };
}
