// Publishing and consuming the modelled events on the modelled broker (docs/skeletons.md, "Events").
//
// One client per broker the service uses, by kind, with the conventions every runtime shares:
// - rabbitmq (amqplib): durable topic exchange `<system>.events`, routing key = channel; each
//   subscription a durable queue `<group>.<channel>`; dead letters in the durable queue
//   `<group>.<channel>.dead-letter` bound under `<channel>.dead-letter`. Publishes are confirmed.
// - kafka (kafkajs): topic = channel, consumer group = group, dead letters `<channel>.dead-letter`.
// - nats: subject = channel, queue group = group, dead letters `<channel>.dead-letter`.
// - redis streams: stream = channel, consumer group = group, dead letters `<channel>.dead-letter`.
// Each client connects in the background and reconnects with backoff, so the service starts
// (and is alive) while its broker is down; readiness reports the broker until it is connected.
// Delivery is at least once: a message is acknowledged after its handler ran. A failed delivery
// is redelivered (rabbitmq: requeued; redis: read again from the pending list; nats and kafka:
// handled again in place); after DEAD_LETTER_AFTER failed deliveries the message is published
// unchanged to the dead-letter channel and acknowledged.
// Messages are CloudEvents 1.0 envelopes (structured JSON); the W3C trace context travels in
// the envelope's `traceparent`, so one trace spans the publisher and the consumer.
"use strict";
const crypto = require("crypto");
const os = require("os");
const { api, spanIds } = require("./telemetry");

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));


class BrokerClient {
  constructor(spec, system, subscriptions, dispatch, log) {
    this.id = spec.id;
    this.env = spec.env;
    this.system = system;
    this.subscriptions = subscriptions;
    this.dispatch = dispatch; // (subscription, body: Buffer) → Promise<"ack" | "retry">
    this.log = log;
    this.connected = false;
    this.error = "not connected yet";
    this.stopped = false;
  }

  get url() {
    const url = process.env[this.env];
    if (!url) throw new Error(`${this.env} is not set`);
    return url;
  }

  async run() {
    let delay = 500;
    while (!this.stopped) {
      try {
        await this.connect();
        this.connected = true;
        this.error = "";
        delay = 500;
        this.log.info({ broker: this.id }, `broker ${this.id} connected`);
        await this.waitClosed();
      } catch (err) {
        if (this.stopped) return;
        this.error = `${err.code ? err.code + ": " : ""}${err.message || err}`;
        this.log.warn({ broker: this.id }, `broker ${this.id}: ${this.error}`);
      }
      this.connected = false;
      await this.disconnect().catch(() => {});
      if (this.stopped) return;
      await sleep(delay);
      delay = Math.min(delay * 2, 10000);
    }
  }

  async stop() {
    this.stopped = true;
    await this.disconnect().catch(() => {});
  }
}

class RabbitClient extends BrokerClient {
  async connect() {
    const amqp = require("amqplib");
    this.conn = await amqp.connect(this.url, { timeout: 5000 });
    this.closed = new Promise((resolve) => {
      this.conn.on("close", () => resolve(new Error("connection closed")));
      this.conn.on("error", (err) => resolve(err));
    });
    this.channel = await this.conn.createConfirmChannel();
    this.channel.on("error", () => {}); // the connection's close reports it
    this.exchange = `${this.system}.events`;
    await this.channel.assertExchange(this.exchange, "topic", { durable: true });
    await this.channel.prefetch(20);
    for (const sub of this.subscriptions) {
      const queue = `${sub.group}.${sub.channel}`;
      await this.channel.assertQueue(queue, { durable: true });
      await this.channel.bindQueue(queue, this.exchange, sub.channel);
      await this.channel.assertQueue(`${queue}.dead-letter`, { durable: true });
      await this.channel.bindQueue(`${queue}.dead-letter`, this.exchange, sub.dead_letter);
      const channel = this.channel;
      await channel.consume(queue, (msg) => {
        if (!msg) return;
        this.dispatch(sub, msg.content).then(
          (verdict) => (verdict === "retry" ? channel.nack(msg, false, true) : channel.ack(msg)),
          () => channel.nack(msg, false, true),
        ).catch(() => {}); // the channel closed: the broker redelivers
      });
    }
  }

  async waitClosed() {
    throw await this.closed;
  }

  async disconnect() {
    const conn = this.conn;
    this.conn = null;
    if (conn) await conn.close().catch(() => {});
  }

  publish(channel, body) {
    if (!this.connected || !this.channel) return Promise.reject(new Error(`broker ${this.id} is not connected`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker ${this.id}: no confirm in 5 s`)), 5000);
      this.channel.publish(this.exchange, channel, body, { persistent: true, contentType: "application/json" }, (err) => {
        clearTimeout(timer);
        if (err) reject(err instanceof Error ? err : new Error(`broker ${this.id} refused the message`));
        else resolve();
      });
    });
  }
}

class NatsClient extends BrokerClient {
  async connect() {
    const { connect } = require("nats");
    const u = new URL(this.url);
    const options = { servers: `${u.hostname}:${u.port || 4222}`, timeout: 5000, maxReconnectAttempts: 3 };
    if (u.username) options.user = decodeURIComponent(u.username);
    if (u.password) options.pass = decodeURIComponent(u.password);
    this.nc = await connect(options);
    for (const sub of this.subscriptions) {
      this.nc.subscribe(sub.channel, {
        queue: sub.group,
        callback: (err, msg) => { if (!err) this.handleInPlace(sub, Buffer.from(msg.data)); },
      });
    }
  }

  // No redelivery in core NATS: a failed delivery is handled again here until it dead-letters.
  async handleInPlace(sub, body) {
    for (;;) {
      try {
        if ((await this.dispatch(sub, body)) !== "retry") return;
      } catch { /* counted by dispatch */ }
      await sleep(200);
    }
  }

  async waitClosed() {
    const err = await this.nc.closed();
    throw err || new Error("connection closed");
  }

  async disconnect() {
    const nc = this.nc;
    this.nc = null;
    if (nc && !nc.isClosed()) await nc.close();
  }

  async publish(channel, body) {
    if (!this.connected || !this.nc) throw new Error(`broker ${this.id} is not connected`);
    this.nc.publish(channel, body);
    await this.nc.flush();
  }
}

class RedisClient extends BrokerClient {
  async connect() {
    const { createClient } = require("redis");
    this.consumer = `${os.hostname()}-${process.pid}`;
    this.redis = createClient({ url: this.url, socket: { connectTimeout: 5000, reconnectStrategy: false } });
    this.closed = new Promise((resolve) => {
      this.redis.on("error", (err) => resolve(err));
      this.redis.on("end", () => resolve(new Error("connection closed")));
    });
    await this.redis.connect();
    this.reader = this.redis.duplicate(); // blocking reads get their own connection
    this.reader.on("error", () => {});
    await this.reader.connect();
    for (const sub of this.subscriptions) {
      try {
        await this.redis.xGroupCreate(sub.channel, sub.group, "$", { MKSTREAM: true });
      } catch (err) {
        if (!String(err.message).includes("BUSYGROUP")) throw err;
      }
    }
  }

  async waitClosed() {
    if (!this.subscriptions.length) throw await this.closed;
    const reading = Promise.all(this.subscriptions.map((sub) => this.consume(sub)));
    throw await Promise.race([this.closed, reading.then(() => new Error("reader stopped"))]);
  }

  // Own pending entries first (failed deliveries come back this way), then new ones.
  async consume(sub) {
    while (this.connected && this.reader) {
      let replies = await this.reader.xReadGroup(sub.group, this.consumer, { key: sub.channel, id: "0" }, { COUNT: 20 });
      const pending = (replies || []).some((r) => r.messages.length);
      if (!pending) {
        replies = await this.reader.xReadGroup(sub.group, this.consumer, { key: sub.channel, id: ">" }, { COUNT: 20, BLOCK: 1000 });
      }
      for (const stream of replies || []) {
        for (const entry of stream.messages) {
          const verdict = await this.dispatch(sub, Buffer.from(entry.message.data || "{}")).catch(() => "retry");
          if (verdict === "retry") await sleep(200);
          else await this.redis.xAck(sub.channel, sub.group, entry.id);
        }
      }
    }
  }

  async disconnect() {
    for (const key of ["reader", "redis"]) {
      const client = this[key];
      this[key] = null;
      if (client && client.isOpen) await client.quit().catch(() => client.disconnect());
    }
  }

  async publish(channel, body) {
    if (!this.connected || !this.redis) throw new Error(`broker ${this.id} is not connected`);
    await this.redis.xAdd(channel, "*", { data: body.toString() }, { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: 100000 } });
  }
}

class KafkaClient extends BrokerClient {
  async connect() {
    const { Kafka, logLevel } = require("kafkajs");
    const u = new URL(this.url);
    const brokers = (u.host || this.url).split(",");
    // kafkajs' own lines go through the service's logger (its connection errors are the
    // reconnect loop's business: warnings), so every line keeps the log format
    const levels = { [logLevel.ERROR]: "warn", [logLevel.WARN]: "warn", [logLevel.INFO]: "info", [logLevel.DEBUG]: "debug" };
    const logCreator = () => ({ namespace, level, log: entry }) => {
      const { message, timestamp: _t, logger: _l, stack: _s, broker: address, ...extra } = entry;
      this.log[levels[level] || "info"]({ ...extra, broker: this.id, address, kafkajs: namespace }, message);
    };
    const kafka = new Kafka({ clientId: this.system, brokers, logLevel: logLevel.WARN, logCreator, connectionTimeout: 5000 });
    this.producer = kafka.producer({ createPartitioner: require("kafkajs").Partitioners.DefaultPartitioner });
    await this.producer.connect();
    this.consumers = [];
    this.closed = new Promise((resolve) => {
      this.producer.on(this.producer.events.DISCONNECT, () => resolve(new Error("connection closed")));
    });
    for (const sub of this.subscriptions) {
      const consumer = kafka.consumer({ groupId: sub.group });
      await consumer.connect();
      await consumer.subscribe({ topic: sub.channel, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          // handled again in place until it succeeds or dead-letters, then the offset commits
          while ((await this.dispatch(sub, message.value || Buffer.from("{}")).catch(() => "retry")) === "retry") await sleep(200);
        },
      });
      this.consumers.push(consumer);
    }
  }

  async waitClosed() {
    throw await this.closed;
  }

  async disconnect() {
    for (const consumer of this.consumers || []) await consumer.disconnect().catch(() => {});
    this.consumers = [];
    if (this.producer) await this.producer.disconnect().catch(() => {});
    this.producer = null;
  }

  async publish(channel, body) {
    if (!this.connected || !this.producer) throw new Error(`broker ${this.id} is not connected`);
    await this.producer.send({ topic: channel, acks: -1, messages: [{ value: body }] });
  }
}

const CLIENTS = { rabbitmq: RabbitClient, nats: NatsClient, redis: RedisClient, kafka: KafkaClient };

class Messaging {
  constructor(spec, { handler, processed, tracer, metrics, log }) {
    this.spec = spec;
    this.handler = handler; // (subscription, envelope, log) → Promise; throws to fail the delivery
    this.processed = processed;
    this.tracer = tracer;
    this.metrics = metrics;
    this.log = log;
    this.deadLetterAfter = Number(process.env.DEAD_LETTER_AFTER || spec.events.dead_letter_after || 5);
    this.failures = new Map(); // `${group}|${event id}` → failed deliveries so far
    this.clients = new Map();
    this.unsupported = [];
    for (const broker of spec.brokers) {
      const Client = CLIENTS[broker.kind];
      if (!Client) { this.unsupported.push(broker.id); continue; }
      const subs = spec.subscribes.filter((s) => s.broker === broker.id);
      this.clients.set(broker.id, new Client(broker, spec.system, subs, (sub, body) => this.dispatch(sub, body), log));
    }
    this.publishes = new Map(spec.publishes.map((p) => [p.event, p]));
    this.outboxes = new Map(); // event → Outbox (set by the server)
  }

  start() {
    for (const client of this.clients.values()) client.run();
  }

  async stop() {
    await Promise.all([...this.clients.values()].map((c) => c.stop()));
  }

  problems() {
    const out = [...this.clients.values()].filter((c) => !c.connected).map((c) => `broker ${c.id}: ${c.error}`);
    return out.concat(this.unsupported.map((b) => `broker ${b}: kind not supported by the skeleton`));
  }

  // A CloudEvents envelope for `event` whose traceparent is a producer span's, and that span.
  envelope(event, data, ctx) {
    const pub = this.publishes.get(event);
    const span = this.tracer.startSpan(`${pub.channel} publish`, {
      kind: api.SpanKind.PRODUCER,
      attributes: { "messaging.destination.name": pub.channel, "messaging.operation.type": "publish" },
    }, ctx);
    const envelope = {
      specversion: "1.0",
      id: crypto.randomUUID(),
      source: this.spec.events.source,
      type: event,
      time: new Date().toISOString(),
      datacontenttype: "application/json",
    };
    if (this.spec.observability.tracing) {
      const carrier = {};
      api.propagation.inject(api.trace.setSpan(ctx, span), carrier);
      if (carrier.traceparent) envelope.traceparent = carrier.traceparent;
      if (carrier.tracestate) envelope.tracestate = carrier.tracestate;
    }
    envelope.data = data;
    span.setAttribute("messaging.message.id", envelope.id);
    return { envelope, span };
  }

  // Straight to the broker (throws while it is down).
  async send(event, channel, body) {
    const pub = this.publishes.get(event);
    const client = this.clients.get(pub ? pub.broker : "");
    try {
      if (!client) throw new Error(`broker ${pub ? pub.broker : "?"} is not supported`);
      await client.publish(channel, body);
      this.metrics.published.inc({ event, outcome: "ok" });
    } catch (err) {
      this.metrics.published.inc({ event, outcome: "error" });
      throw err;
    }
  }

  // Publish a modelled event: through its outbox when it has one, else directly.
  // → {id, outbox: bool}; throws when the broker is down and there is no outbox.
  async publish(event, data, { ctx = api.context.active(), log = this.log, query = null } = {}) {
    const pub = this.publishes.get(event);
    const { envelope, span } = this.envelope(event, data, ctx);
    // the producer span's ids, with the request's id (a child of `log` would repeat the keys)
    const spanLog = this.log.child({ request_id: log.bindings().request_id || "", ...spanIds(span) });
    try {
      const outbox = this.outboxes.get(event);
      if (outbox) {
        await outbox.insert(event, pub.channel, envelope, query);
        spanLog.info({ event, event_id: envelope.id }, `${event} written to the outbox`);
        return { id: envelope.id, outbox: true };
      }
      await this.send(event, pub.channel, Buffer.from(JSON.stringify(envelope)));
      spanLog.info({ event, event_id: envelope.id }, `${event} published on ${pub.channel}`);
      return { id: envelope.id, outbox: false };
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }

  // One delivery: → "ack" (handled, duplicate or dead-lettered) or "retry" (failed, redeliver).
  async dispatch(sub, body) {
    let message;
    try {
      message = JSON.parse(body.toString("utf8"));
      if (!message || typeof message !== "object" || message.specversion === undefined) message = { data: message };
    } catch {
      message = { data: body.toString("utf8") };
    }
    const carrier = message.traceparent ? { traceparent: message.traceparent, tracestate: message.tracestate } : {};
    const parent = this.spec.observability.tracing ? api.propagation.extract(api.ROOT_CONTEXT, carrier) : api.ROOT_CONTEXT;
    const span = this.tracer.startSpan(`${sub.channel} process`, {
      kind: api.SpanKind.CONSUMER,
      attributes: { "messaging.destination.name": sub.channel, "messaging.consumer.group.name": sub.group, "messaging.message.id": message.id || "" },
    }, parent);
    const log = this.log.child({ ...spanIds(span), request_id: "" });
    const eventId = message.id || crypto.createHash("sha256").update(body).digest("hex");
    const key = `${sub.group}|${eventId}`;
    try {
      const run = () => this.handler(sub, message, log);
      const outcome = sub.idempotent ? await this.processed.run(sub.group, eventId, run) : (await run(), "ok");
      this.failures.delete(key);
      this.metrics.consumed.inc({ event: sub.event, outcome });
      if (outcome === "duplicate") log.info({ event: sub.event, event_id: eventId }, `${sub.event} ${eventId} seen before: acknowledged without handling`);
      return "ack";
    } catch (err) {
      span.recordException(err);
      span.setStatus({ code: api.SpanStatusCode.ERROR });
      if (err.infrastructure) {
        // the processed-message store does not answer: delay the event, never dead-letter it
        this.metrics.consumed.inc({ event: sub.event, outcome: "error" });
        log.warn({ event: sub.event, event_id: eventId }, `${sub.event} ${eventId} delayed: ${err.message}`);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return "retry";
      }
      const failed = (this.failures.get(key) || 0) + 1;
      this.failures.set(key, failed);
      if (failed < this.deadLetterAfter) {
        this.metrics.consumed.inc({ event: sub.event, outcome: "error" });
        log.warn({ event: sub.event, event_id: eventId, deliveries: failed }, `${sub.event} ${eventId} failed (delivery ${failed} of ${this.deadLetterAfter}): ${err.message}`);
        return "retry";
      }
      try {
        await this.clients.get(sub.broker).publish(sub.dead_letter, body);
      } catch (dlErr) {
        log.warn({ event: sub.event, event_id: eventId }, `cannot dead-letter ${eventId} yet: ${dlErr.message}`);
        return "retry";
      }
      this.failures.delete(key);
      this.metrics.consumed.inc({ event: sub.event, outcome: "dead_lettered" });
      log.error({ event: sub.event, event_id: eventId, dead_letter: sub.dead_letter },
        `${sub.event} ${eventId} dead-lettered to ${sub.dead_letter} after ${failed} failed deliveries: ${err.message}`);
      return "ack";
    } finally {
      span.end();
    }
  }
}

module.exports = { Messaging };
