// The model websocket: reconnects with exponential backoff (+ jitter), heartbeats, and calls
// onOpen after every (re)connect so the editor can resynchronise to the current revision.
export class Live {
  constructor(path, handlers) {
    this.path = path;
    this.h = handlers;
    this.attempt = 0;
    this.closed = false;
    this.ws = null;
    this.selected = null;
    this.timer = null;
    this.heartbeat = null;
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    return `${proto}//${location.host}${this.path}`;
  }

  connect() {
    this.h.onState && this.h.onState(this.attempt ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      if (msg.type === "hello") {
        this.attempt = 0;
        this.h.onState && this.h.onState("live");
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(() => this.send({ type: "ping" }), (msg.heartbeat || 20) * 1000);
        if (this.selected) this.send({ type: "select", ...this.selected });
      }
      this.h.onMessage(msg);
    };
    ws.onclose = (e) => {
      clearInterval(this.heartbeat);
      if (this.closed) return;
      if (e.code === 4401 || e.code === 4403 || e.code === 4404) {
        this.h.onState && this.h.onState("refused", e.code);
        return; // no point retrying: not signed in, or no access
      }
      this.attempt += 1;
      const delay = Math.min(10000, 500 * 2 ** (this.attempt - 1)) * (0.75 + Math.random() / 2);
      this.h.onState && this.h.onState("offline", delay);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  send(msg) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  select(element, kind) {
    this.selected = { element, kind };
    this.send({ type: "select", element, kind });
  }

  // For tests and for "go offline" in the UI: drop the socket; the backoff brings it back.
  drop() { if (this.ws) this.ws.close(); }

  stop() { this.closed = true; clearTimeout(this.timer); clearInterval(this.heartbeat); if (this.ws) this.ws.close(); }
}
