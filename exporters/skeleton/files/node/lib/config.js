// The service's view of the model (spec.json) and its environment (docs/skeletons.md).
//
// Secrets arrive as files (Compose `secrets:` under /run/secrets): every `<NAME>_FILE` variable
// of a secret (NAME ends in PASSWORD, SECRET, TOKEN, KEY, KEYS or URL; others such as
// SSL_CERT_FILE are left alone) is read into NAME (a file wins over a plain variable; an
// unreadable file stops the start); then `<PREFIX>_PASSWORD` is put, percent-encoded, into each
// `<PREFIX>_URL` that has no password, so no password sits in the bundle's environment.
"use strict";
const fs = require("fs");
const path = require("path");

const SECRET_FILE = /^[A-Z0-9_]*(PASSWORD|SECRET|TOKEN|KEYS?|URL)_FILE$/;

// RFC 3986 unreserved characters stay, everything else is percent-encoded (as Python's quote(safe="")).
const encode = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());

function withPassword(url, password) {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s.exec(url);
  if (!m) return url;
  const [, scheme, netloc, rest] = m;
  const at = netloc.lastIndexOf("@");
  const userinfo = at >= 0 ? netloc.slice(0, at) : "";
  const host = at >= 0 ? netloc.slice(at + 1) : netloc;
  if (!host || userinfo.includes(":")) return url; // no host, or a password already
  return `${scheme}${userinfo}:${encode(password)}@${host}${rest}`;
}

function loadSecretFiles(env = process.env) {
  for (const key of Object.keys(env).filter((k) => SECRET_FILE.test(k))) {
    try {
      env[key.slice(0, -5)] = fs.readFileSync(env[key], "utf8").trim();
    } catch (err) {
      throw new Error(`${key}: cannot read ${env[key]}: ${err.message}`);
    }
  }
  for (const key of Object.keys(env).filter((k) => k.endsWith("_URL"))) {
    const password = env[key.slice(0, -4) + "_PASSWORD"];
    if (password) env[key] = withPassword(env[key], password);
  }
}

function loadSpec(dir = path.join(__dirname, "..")) {
  return JSON.parse(fs.readFileSync(path.join(dir, "spec.json"), "utf8"));
}

module.exports = { loadSecretFiles, loadSpec, withPassword };
