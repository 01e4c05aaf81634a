// Who is calling: JWTs verified against the issuer's JWKS, API keys checked against a secret
// (the same rules as the Python skeleton's app/auth.py). Fails closed: a missing setting, an
// unreachable JWKS, a bad signature, a wrong issuer or audience, an expired token or an unknown
// key all throw Unauthorized (the caller gets 401).
// - JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE; JWT_ALGORITHMS (default RS256,ES256: asymmetric
//   only, never `none` or HMAC); JWT_LEEWAY_SECONDS (clock skew on exp/nbf, default 30).
// - API_KEYS: comma-separated keys (a secret), compared in constant time.
"use strict";
const crypto = require("crypto");

const REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"];
const HASHES = { 256: "sha256", 384: "sha384", 512: "sha512" };

class Unauthorized extends Error {}

const b64json = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

class JwtVerifier {
  constructor(env = process.env) {
    this.jwksUrl = env.JWT_JWKS_URL || "";
    this.issuer = env.JWT_ISSUER || "";
    this.audience = env.JWT_AUDIENCE || "";
    this.algorithms = (env.JWT_ALGORITHMS || "RS256,ES256").split(",").map((a) => a.trim()).filter(Boolean);
    this.leeway = Number(env.JWT_LEEWAY_SECONDS || "30");
    const bad = this.algorithms.filter((a) => a.toLowerCase() === "none" || a.toUpperCase().startsWith("HS"));
    this.unsafe = bad.length ? `JWT_ALGORITHMS must be asymmetric, not ${bad.join(", ")}` : "";
    this.keys = null;
    this.fetchedAt = 0;
  }

  problems() {
    const out = [["JWT_JWKS_URL", this.jwksUrl], ["JWT_ISSUER", this.issuer], ["JWT_AUDIENCE", this.audience]]
      .filter(([, v]) => !v).map(([name]) => `${name} is not set`);
    return this.unsafe ? out.concat(this.unsafe) : out;
  }

  async key(kid, refresh = false) {
    if (!this.keys || refresh || Date.now() - this.fetchedAt > 300000) {
      let jwks;
      try {
        const res = await fetch(this.jwksUrl, { signal: AbortSignal.timeout(3000) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        jwks = await res.json();
      } catch (err) {
        throw new Unauthorized(`no signing key for this token: cannot fetch the JWKS: ${err.message}`);
      }
      this.keys = new Map((jwks.keys || []).map((k) => [k.kid || "", k]));
      this.fetchedAt = Date.now();
    }
    const jwk = this.keys.get(kid || "") || (!kid && this.keys.size === 1 ? [...this.keys.values()][0] : null);
    if (!jwk && !refresh) return this.key(kid, true); // rotated keys
    if (!jwk) throw new Unauthorized(`no signing key for this token: unknown kid ${JSON.stringify(kid)}`);
    return jwk;
  }

  // The token's claims, or Unauthorized.
  async verify(authorization) {
    const problems = this.problems();
    if (problems.length) throw new Unauthorized(`token verification is not configured: ${problems.join("; ")}`);
    const [scheme, token] = (authorization || "").trim().split(/\s+/, 2);
    if ((scheme || "").toLowerCase() !== "bearer" || !token) throw new Unauthorized("a bearer token is required");
    const parts = token.split(".");
    if (parts.length !== 3) throw new Unauthorized("invalid token: not a JWS compact token");
    let header;
    let claims;
    try { header = b64json(parts[0]); claims = b64json(parts[1]); } catch { throw new Unauthorized("invalid token: undecodable"); }
    const alg = String(header.alg || "");
    if (!this.algorithms.includes(alg)) throw new Unauthorized(`invalid token: algorithm ${alg} is not allowed`);
    const jwk = await this.key(header.kid);
    const hash = HASHES[alg.slice(2)];
    if (!hash || !["RS", "PS", "ES"].includes(alg.slice(0, 2))) throw new Unauthorized(`invalid token: algorithm ${alg} is not supported`);
    let ok = false;
    try {
      const key = crypto.createPublicKey({ key: jwk, format: "jwk" });
      const options = { key };
      if (alg.startsWith("PS")) Object.assign(options, { padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: crypto.constants.RSA_PSS_SALTLEN_DIGEST });
      if (alg.startsWith("ES")) options.dsaEncoding = "ieee-p1363";
      ok = crypto.verify(hash, Buffer.from(`${parts[0]}.${parts[1]}`), options, Buffer.from(parts[2], "base64url"));
    } catch (err) {
      throw new Unauthorized(`invalid token: ${err.message}`);
    }
    if (!ok) throw new Unauthorized("invalid token: Signature verification failed");
    const missing = REQUIRED_CLAIMS.filter((c) => claims[c] === undefined);
    if (missing.length) throw new Unauthorized(`invalid token: Token is missing the "${missing[0]}" claim`);
    const now = Date.now() / 1000;
    if (typeof claims.exp !== "number" || claims.exp <= now - this.leeway) throw new Unauthorized("invalid token: Signature has expired");
    if (typeof claims.nbf === "number" && claims.nbf > now + this.leeway) throw new Unauthorized("invalid token: The token is not yet valid (nbf)");
    if (claims.iss !== this.issuer) throw new Unauthorized("invalid token: Invalid issuer");
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.audience)) throw new Unauthorized("invalid token: Audience doesn't match");
    return claims;
  }
}

class ApiKeys {
  constructor(env = process.env) {
    this.keys = (env.API_KEYS || "").split(",").map((k) => k.trim()).filter(Boolean);
  }

  problems() {
    return this.keys.length ? [] : ["API_KEYS is not set"];
  }

  // An identity for the key (api-key:<sha256 prefix>), or Unauthorized.
  verify(key) {
    if (!this.keys.length) throw new Unauthorized("API keys are not configured");
    const given = Buffer.from(key || "");
    const digest = (b) => crypto.createHash("sha256").update(b).digest();
    const match = given.length && this.keys.some((k) => crypto.timingSafeEqual(digest(given), digest(Buffer.from(k))));
    if (!match) throw new Unauthorized("a valid X-API-Key is required");
    return "api-key:" + crypto.createHash("sha256").update(given).digest("hex").slice(0, 12);
  }
}

module.exports = { JwtVerifier, ApiKeys, Unauthorized };
