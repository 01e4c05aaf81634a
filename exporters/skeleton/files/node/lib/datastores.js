// Connections to the modelled datastores, opened lazily and checked by readiness.
//
// postgres → pg Pool; mysql/mariadb → mysql2 pool; mongodb → MongoClient; redis → node-redis;
// anything else → a TCP connect to the URL's host and port. A failed check drops the client,
// so the next probe reconnects. SQL stores also serve the outbox and processed-message tables.
"use strict";
const net = require("net");

const CHECK_TIMEOUT_MS = 2000;
const SQL_KINDS = new Set(["postgres", "mysql", "mariadb"]);

const withTimeout = (promise, ms, what) => {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
};

class Store {
  constructor(spec, log) {
    this.id = spec.id;
    this.kind = spec.kind;
    this.env = spec.env;
    this.log = log;
    this.client = null;
  }

  get sql() { return SQL_KINDS.has(this.kind); }

  get url() {
    const url = process.env[this.env];
    if (!url) throw new Error(`${this.env} is not set`);
    return url;
  }

  async connect() {
    if (this.client) return this.client;
    if (this.kind === "postgres") {
      const { Pool } = require("pg");
      const pool = new Pool({ connectionString: this.url, max: 5, connectionTimeoutMillis: CHECK_TIMEOUT_MS, idleTimeoutMillis: 10000 });
      pool.on("error", (err) => this.log.warn({ store: this.id }, `datastore ${this.id}: ${err.message}`));
      this.client = pool;
    } else if (this.kind === "mysql" || this.kind === "mariadb") {
      const mysql = require("mysql2/promise");
      this.client = mysql.createPool({ uri: this.url, connectionLimit: 5, connectTimeout: CHECK_TIMEOUT_MS });
    } else if (this.kind === "mongodb") {
      const { MongoClient } = require("mongodb");
      this.client = new MongoClient(this.url, { serverSelectionTimeoutMS: CHECK_TIMEOUT_MS });
    } else if (this.kind === "redis") {
      const { createClient } = require("redis");
      const client = createClient({ url: this.url, socket: { connectTimeout: CHECK_TIMEOUT_MS, reconnectStrategy: false } });
      client.on("error", () => {}); // reported by the next check
      await client.connect();
      this.client = client;
    }
    return this.client;
  }

  async check() {
    const client = await this.connect();
    if (this.kind === "postgres" || this.kind === "mysql" || this.kind === "mariadb") {
      await client.query("SELECT 1");
    } else if (this.kind === "mongodb") {
      await client.db("admin").command({ ping: 1 });
    } else if (this.kind === "redis") {
      await client.ping();
    } else {
      const u = new URL(this.url);
      await new Promise((resolve, reject) => {
        const sock = net.connect({ host: u.hostname, port: Number(u.port) }, () => { sock.end(); resolve(); });
        sock.on("error", reject);
      });
    }
  }

  // A SQL transaction: fn(query) with query(pgSql, mysqlSql, params) → rows (or the result
  // header for writes on MySQL: {affectedRows}); committed when fn resolves, else rolled back.
  async transaction(fn) {
    const pool = await this.connect();
    const conn = this.kind === "postgres" ? await pool.connect() : await pool.getConnection();
    const pg = this.kind === "postgres";
    const query = async (pgSql, mySql, params = []) => {
      if (pg) {
        const res = await conn.query(pgSql, params);
        return Object.assign(res.rows, { affected: res.rowCount });
      }
      const [rows] = await conn.query(mySql, params);
      return Array.isArray(rows) ? Object.assign(rows, { affected: rows.length }) : Object.assign([], { affected: rows.affectedRows });
    };
    let broken = false;
    try {
      await query("BEGIN", "START TRANSACTION");
      const result = await fn(query);
      await query("COMMIT", "COMMIT");
      return result;
    } catch (err) {
      try { await query("ROLLBACK", "ROLLBACK"); } catch { broken = true; }
      throw err;
    } finally {
      if (pg) conn.release(broken || undefined);
      else if (broken) conn.destroy();
      else conn.release();
    }
  }

  async close() {
    const client = this.client;
    this.client = null;
    if (!client) return;
    try {
      if (this.kind === "redis") await client.quit();
      else if (this.kind === "mongodb") await client.close();
      else await client.end();
    } catch { /* dropping a broken client */ }
  }
}

class Datastores {
  constructor(specs, log) {
    this.stores = new Map(specs.map((s) => [s.id, new Store(s, log)]));
  }

  async problems() {
    const results = await Promise.all([...this.stores.values()].map(async (store) => {
      try {
        await withTimeout(store.check(), CHECK_TIMEOUT_MS + 1000, `datastore ${store.id}`);
        return null;
      } catch (err) {
        await store.close();
        return `datastore ${store.id}: ${err.code ? err.code + ": " : ""}${err.message || err}`;
      }
    }));
    return results.filter(Boolean);
  }

  async close() {
    await Promise.all([...this.stores.values()].map((s) => s.close()));
  }
}

module.exports = { Datastores, Store, SQL_KINDS };
