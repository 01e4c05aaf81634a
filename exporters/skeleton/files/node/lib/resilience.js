// Outbound calls with the model's resilience settings (docs/skeletons.md, "Calls").
//
// - deadline: `timeout_ms` is one overall deadline for the call, across every attempt and
//   backoff (one AbortController; each attempt gets what is left); 30 s when not modelled.
// - retries: up to `retries.max` more attempts, exponential backoff from `backoff_ms` with full
//   jitter (a random delay in [0, backoff]) when `jitter`. Connection failures are always retried
//   (nothing was sent); timeouts, resets and 5xx only when the call is idempotent (the modelled
//   operation's flag, else the HTTP method).
// - circuit breaker (opossum): opens after `failure_threshold` failed calls in a row, answers
//   without a network attempt while open, lets one trial through after `reset_timeout_ms`.
// - fallback: when modelled, a failed call or an open circuit answers
//   200 {"fallback": <text>, "target"} with `x-workbench-fallback` instead of an error.
// Outgoing requests carry `traceparent` (when tracing), X-Request-ID and, for calls modelled
// with `auth: jwt`, the caller's Authorization.
"use strict";
const CircuitBreaker = require("opossum");
const { api } = require("./telemetry");

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);
const SAFETY_TIMEOUT_MS = 30000;
const STATES = { closed: 0, open: 1, "half-open": 2 };

class CallFailed extends Error {}
class CircuitOpen extends Error {}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

function connectionRefused(err) {
  const code = err && err.cause && err.cause.code;
  return ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"].includes(code);
}

class Dependency {
  constructor(spec, { tracer, metrics, log }) {
    this.name = spec.to;
    this.env = spec.env;
    this.timeoutMs = spec.timeout_ms || SAFETY_TIMEOUT_MS;
    this.idempotent = spec.idempotent; // the modelled operation's flag, or null
    this.fallback = spec.fallback || null;
    this.forwardToken = spec.auth === "jwt";
    const retries = spec.retries || {};
    this.maxRetries = retries.max || 0;
    this.backoffMs = retries.backoff_ms || 100;
    this.jitter = Boolean(retries.jitter);
    this.tracer = tracer;
    this.metrics = metrics;
    this.log = log;
    this.attempts = 0; // network attempts made
    this.rejected = 0; // calls refused by the open circuit
    this.fallbacks = 0; // calls answered by the fallback
    this.failures = 0; // failed calls in a row
    const cb = spec.circuit_breaker;
    this.breaker = null;
    if (cb) {
      // opossum's own rule (error percentage) is switched off (> 100 % never happens); the
      // contract's rule, N failures in a row, opens it; opossum keeps the open/half-open cycle.
      this.threshold = cb.failure_threshold;
      this.breaker = new CircuitBreaker((fn) => fn(), {
        timeout: false, errorThresholdPercentage: 100, resetTimeout: cb.reset_timeout_ms, name: this.name,
      });
      const gauge = () => metrics.breakerState.set({ target: this.name }, STATES[this.state]);
      this.breaker.on("open", () => { gauge(); log.warn({ target: this.name }, `circuit to ${this.name} opened`); });
      this.breaker.on("halfOpen", gauge);
      this.breaker.on("close", () => { gauge(); log.info({ target: this.name }, `circuit to ${this.name} closed`); });
    }
  }

  get state() {
    if (!this.breaker) return "none";
    if (this.breaker.opened) return "open";
    return this.breaker.halfOpen ? "half-open" : "closed";
  }

  baseUrl() {
    const url = process.env[this.env];
    if (!url) throw new CallFailed(`${this.env} is not set`);
    return url.replace(/\/+$/, "");
  }

  delay(attempt) {
    const backoff = this.backoffMs * 2 ** (attempt - 1);
    return this.jitter ? Math.random() * backoff : backoff;
  }

  // {status, headers, body, fallback} or throws CircuitOpen / CallFailed (no fallback modelled).
  async request(method, path, { ctx = api.context.active(), headers = {}, requestId, authorization, body, idempotent } = {}) {
    try {
      const response = this.breaker
        ? await this.breaker.fire(() => this.attempts_(method, path, { ctx, headers, requestId, authorization, body, idempotent }))
        : await this.attempts_(method, path, { ctx, headers, requestId, authorization, body, idempotent });
      this.failures = 0;
      return response;
    } catch (err) {
      let error = err;
      if (err && err.code === "EOPENBREAKER") {
        this.rejected += 1;
        this.metrics.clientRequests.inc({ target: this.name, outcome: "short_circuited" });
        error = new CircuitOpen(`circuit to ${this.name} is open`);
      } else if (this.breaker && (this.failures += 1) >= this.threshold && !this.breaker.opened) {
        this.breaker.open();
      }
      if (!this.fallback) throw error;
      this.fallbacks += 1;
      this.metrics.clientRequests.inc({ target: this.name, outcome: "fallback" });
      return {
        status: 200,
        headers: { "x-workbench-fallback": this.fallback },
        body: { fallback: this.fallback, target: this.name, reason: error.message },
        fallback: this.fallback,
      };
    }
  }

  async attempts_(method, path, { ctx, headers, requestId, authorization, body, idempotent }) {
    method = method.toUpperCase();
    if (idempotent === undefined || idempotent === null) {
      idempotent = this.idempotent !== null && this.idempotent !== undefined ? this.idempotent : IDEMPOTENT.has(method);
    }
    const url = this.baseUrl() + path;
    const deadline = Date.now() + this.timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    let error = "no attempt made";
    try {
      for (let attempt = 0; attempt <= this.maxRetries; attempt += 1) {
        if (attempt) await sleep(Math.min(this.delay(attempt), Math.max(deadline - Date.now(), 0)), controller.signal);
        if (controller.signal.aborted || Date.now() >= deadline) {
          error = `deadline of ${this.timeoutMs} ms exceeded`;
          break;
        }
        this.attempts += 1;
        const outcome = await this.attempt(method, url, { ctx, headers, requestId, authorization, body, signal: controller.signal });
        if (outcome.response) return outcome.response;
        error = outcome.error;
        if (outcome.kind === "connect") continue;
        if (!idempotent) break;
      }
    } finally {
      clearTimeout(timer);
    }
    throw new CallFailed(`call to ${this.name} failed: ${error}`);
  }

  // One network attempt in its own client span: {response} or {error, kind: connect|timeout|error}.
  async attempt(method, url, { ctx, headers, requestId, authorization, body, signal }) {
    const span = this.tracer.startSpan(`${method}`, {
      kind: api.SpanKind.CLIENT,
      attributes: { "http.request.method": method, "url.full": url, "peer.service": this.name },
    }, ctx);
    const out = { "user-agent": "workbench-skeleton", ...headers };
    api.propagation.inject(api.trace.setSpan(ctx, span), out);
    if (requestId) out["x-request-id"] = requestId;
    if (this.forwardToken && authorization) out.authorization = authorization;
    if (body !== undefined) out["content-type"] = "application/json";
    const started = process.hrtime.bigint();
    const observe = () => this.metrics.clientDuration.observe({ target: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    try {
      const res = await fetch(url, { method, headers: out, body: body === undefined ? undefined : JSON.stringify(body), signal });
      const text = await res.text();
      observe();
      span.setAttribute("http.response.status_code", res.status);
      let parsed = null;
      try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
      if (res.status >= 500) {
        span.setStatus({ code: api.SpanStatusCode.ERROR });
        this.metrics.clientRequests.inc({ target: this.name, outcome: "error" });
        return { error: `HTTP ${res.status}`, kind: "error" };
      }
      this.metrics.clientRequests.inc({ target: this.name, outcome: "success" });
      return { response: { status: res.status, headers: Object.fromEntries(res.headers), body: parsed, fallback: null } };
    } catch (err) {
      observe();
      span.recordException(err);
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      const kind = signal.aborted ? "timeout" : connectionRefused(err) ? "connect" : "error";
      this.metrics.clientRequests.inc({ target: this.name, outcome: kind === "timeout" ? "timeout" : "error" });
      const reason = err.cause ? `${err.cause.code || err.cause.name}: ${err.cause.message}` : err.message;
      return { error: kind === "timeout" ? `deadline of ${this.timeoutMs} ms exceeded` : reason, kind };
    } finally {
      span.end();
    }
  }

  stats() {
    return {
      to: this.name, attempts: this.attempts, rejected: this.rejected, fallbacks: this.fallbacks,
      state: this.state, failures: this.failures,
    };
  }
}

class Dependencies {
  constructor(calls, deps) {
    this.byName = new Map(calls.map((c) => [c.to, new Dependency(c, deps)]));
  }

  problems() {
    return [...this.byName.values()].filter((d) => !process.env[d.env]).map((d) => `${d.env} is not set`);
  }

  call(name, method, path, options) {
    return this.byName.get(name).request(method, path, options);
  }

  shutdown() {
    for (const dep of this.byName.values()) if (dep.breaker) dep.breaker.shutdown();
  }
}

module.exports = { Dependencies, Dependency, CallFailed, CircuitOpen };
