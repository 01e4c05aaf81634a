// The transactional outbox and the processed-message table, in the service's SQL datastore.
//
// Tables (created by the service's migrations, never here):
//   workbench_outbox(id, event, channel, envelope, created_at, sent_at)
//   workbench_processed(consumer_group, event_id, processed_at), primary key on both ids.
// - Outbox.insert writes the envelope (inside the business write's transaction when given its
//   `query`); the relay (every 500 ms, and at once after an insert) publishes unsent rows in id
//   order and sets sent_at. Rows are locked FOR UPDATE SKIP LOCKED, so replicas never publish one
//   row twice; a row whose publish fails stays unsent (with those after it) until the broker is back.
// - Processed.run claims (group, event id) in a transaction held while the handler runs: a
//   duplicate finds the row (or waits for it) and is acknowledged without running the handler;
//   a failing handler rolls the claim back, so the redelivery runs it again. Without a SQL
//   datastore the ids are kept in memory (the last 100,000).
"use strict";

// A table the migrations make is missing: say so instead of the driver's words.
function explain(err, table) {
  if (err && (err.code === "42P01" || err.code === "ER_NO_SUCH_TABLE")) {
    return Object.assign(new Error(`table ${table} is missing: run the service's migrations (migrations/)`), { code: err.code });
  }
  return err;
}

const RELAY_INTERVAL_MS = 500;
const BATCH = 100;
const INSERT = {
  pg: "INSERT INTO workbench_outbox (event, channel, envelope) VALUES ($1, $2, $3)",
  my: "INSERT INTO workbench_outbox (event, channel, envelope) VALUES (?, ?, ?)",
};

class Outbox {
  constructor(store, send, { metrics, log }) {
    this.store = store;
    this.send = send; // (channel, body: Buffer) → Promise, throws while the broker is down
    this.metrics = metrics;
    this.log = log;
    this.failing = ""; // the last relay error, logged once per change
    this.wakeUp = null;
    this.stopped = false;
  }

  async insert(event, channel, envelope, query = null) {
    const body = JSON.stringify(envelope);
    try {
      if (query) await query(INSERT.pg, INSERT.my, [event, channel, body]);
      else await this.store.transaction((q) => q(INSERT.pg, INSERT.my, [event, channel, body]));
    } catch (err) {
      throw explain(err, "workbench_outbox");
    }
    this.wake();
  }

  wake() {
    if (this.wakeUp) this.wakeUp();
  }

  async run() {
    while (!this.stopped) {
      try {
        await this.relay();
        if (this.failing) this.log.info({ store: this.store.id }, "outbox relay is publishing again");
        this.failing = "";
      } catch (err) {
        const reason = `outbox relay (${this.store.id}): ${explain(err, "workbench_outbox").message}`;
        if (reason !== this.failing) this.log.warn({ store: this.store.id }, reason);
        this.failing = reason;
      }
      await this.pending().catch(() => {});
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, RELAY_INTERVAL_MS);
        this.wakeUp = () => { clearTimeout(timer); resolve(); };
      });
      this.wakeUp = null;
    }
  }

  // Publishes unsent rows in order until none is left (or one fails: it and the rest wait).
  async relay() {
    for (;;) {
      const sent = await this.store.transaction(async (q) => {
        const rows = await q(
          `SELECT id, event, channel, envelope FROM workbench_outbox WHERE sent_at IS NULL ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
          `SELECT id, event, channel, envelope FROM workbench_outbox WHERE sent_at IS NULL ORDER BY id LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        const done = [];
        try {
          for (const row of rows) {
            const envelope = typeof row.envelope === "string" || Buffer.isBuffer(row.envelope) ? row.envelope : JSON.stringify(row.envelope); // json columns
            await this.send(row.event, row.channel, Buffer.from(envelope));
            done.push(row.id);
          }
        } finally {
          if (done.length) {
            await q(
              "UPDATE workbench_outbox SET sent_at = now() WHERE id = ANY($1)",
              `UPDATE workbench_outbox SET sent_at = CURRENT_TIMESTAMP(6) WHERE id IN (${done.map(() => "?").join(",")})`,
              this.store.kind === "postgres" ? [done] : done,
            );
          }
        }
        return rows.length;
      });
      if (sent < BATCH) return;
    }
  }

  async pending() {
    const rows = await this.store.transaction((q) => q(
      "SELECT count(*) AS n FROM workbench_outbox WHERE sent_at IS NULL",
      "SELECT count(*) AS n FROM workbench_outbox WHERE sent_at IS NULL",
    ));
    this.metrics.outboxPending.set({ store: this.store.id }, Number(rows[0].n));
  }

  stop() {
    this.stopped = true;
    this.wake();
  }
}

class Processed {
  constructor(store, log, needed = true) {
    this.store = store;
    this.memory = new Map(); // group → Set of event ids, when there is no SQL datastore
    if (!store && needed) log.info("idempotent consumers remember event ids in memory (no SQL datastore modelled)");
  }

  // Runs handler() unless (group, eventId) was processed before; → "ok" or "duplicate".
  async run(group, eventId, handler) {
    if (!this.store) {
      const seen = this.memory.get(group) || new Set();
      this.memory.set(group, seen);
      if (seen.has(eventId)) return "duplicate";
      await handler();
      seen.add(eventId);
      if (seen.size > 100000) seen.delete(seen.values().next().value);
      return "ok";
    }
    let handled = false;
    return this.store.transaction(async (q) => {
      const claimed = await q(
        "INSERT INTO workbench_processed (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        "INSERT IGNORE INTO workbench_processed (consumer_group, event_id) VALUES (?, ?)",
        [group, eventId],
      );
      if (!claimed.affected) return "duplicate";
      handled = true;
      await handler();
      return "ok";
    }).catch((err) => {
      if (handled) throw err;
      // the processed-message store failed, not the handler: the message is not to blame
      const cause = explain(err, "workbench_processed");
      throw Object.assign(cause instanceof Error ? cause : new Error(String(cause)), { infrastructure: true });
    });
  }
}

module.exports = { Outbox, Processed };
