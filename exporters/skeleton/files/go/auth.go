package main

// Who is calling, for operations modelled with auth (as the Python skeleton's app/auth.py):
// JWTs (auth: jwt or oauth2) verified against the issuer's JWKS with go-jose, API keys
// (auth: api-key) compared in constant time with API_KEYS. Fails closed: a missing setting,
// an unreachable JWKS, a bad signature, a wrong issuer or audience, an expired token or an
// unknown key all answer 401.
//
// JWT_JWKS_URL, JWT_ISSUER, JWT_AUDIENCE: the issuer's settings; JWT_ALGORITHMS (default
// RS256,ES256: asymmetric only, never none or HMAC); JWT_LEEWAY_SECONDS (default 30).

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "gopkg.in/square/go-jose.v2"
	"gopkg.in/square/go-jose.v2/jwt"
)

type Auth struct {
	jwt  *jwtVerifier
	keys []string
	api  bool
}

func NewAuth(spec *Spec) *Auth {
	a := &Auth{}
	for _, op := range spec.Operations {
		switch op.Auth {
		case "jwt", "oauth2":
			if a.jwt == nil {
				a.jwt = newJWTVerifier()
			}
		case "api-key":
			a.api = true
		}
	}
	for _, k := range strings.Split(getenv("API_KEYS", ""), ",") {
		if k = strings.TrimSpace(k); k != "" {
			a.keys = append(a.keys, k)
		}
	}
	return a
}

// Problems: what keeps verification from working (readiness reports them).
func (a *Auth) Problems() []string {
	out := []string{}
	if a.jwt != nil {
		out = append(out, a.jwt.problems()...)
	}
	if a.api && len(a.keys) == 0 {
		out = append(out, "API_KEYS is not set")
	}
	return out
}

// Identify verifies the caller of an operation modelled with auth ("" when none is modelled).
func (a *Auth) Identify(r *http.Request, auth string) (string, error) {
	switch auth {
	case "jwt", "oauth2":
		if a.jwt == nil {
			return "", errors.New("token verification is not configured")
		}
		return a.jwt.verify(r.Context(), r.Header.Get("Authorization"))
	case "api-key":
		given := []byte(r.Header.Get("X-API-Key"))
		if len(a.keys) == 0 {
			return "", errors.New("API keys are not configured")
		}
		match := 0
		for _, k := range a.keys {
			match |= subtle.ConstantTimeCompare(given, []byte(k))
		}
		if len(given) == 0 || match != 1 {
			return "", errors.New("a valid X-API-Key is required")
		}
		sum := sha256.Sum256(given)
		return "api-key:" + hex.EncodeToString(sum[:])[:12], nil
	}
	return "", nil
}

type jwtVerifier struct {
	jwksURL, issuer, audience string
	algorithms                []string
	leeway                    time.Duration
	client                    *http.Client
	mu                        sync.Mutex
	keys                      *jose.JSONWebKeySet
	fetched                   time.Time
}

func newJWTVerifier() *jwtVerifier {
	v := &jwtVerifier{jwksURL: getenv("JWT_JWKS_URL", ""), issuer: getenv("JWT_ISSUER", ""),
		audience: getenv("JWT_AUDIENCE", ""), leeway: 30 * time.Second,
		client: &http.Client{Timeout: 3 * time.Second}}
	for _, alg := range strings.Split(getenv("JWT_ALGORITHMS", "RS256,ES256"), ",") {
		if alg = strings.TrimSpace(alg); alg != "" {
			v.algorithms = append(v.algorithms, alg)
		}
	}
	if s, err := strconv.Atoi(getenv("JWT_LEEWAY_SECONDS", "")); err == nil && s >= 0 {
		v.leeway = time.Duration(s) * time.Second
	}
	return v
}

func (v *jwtVerifier) problems() []string {
	out := []string{}
	for _, kv := range [][2]string{{"JWT_JWKS_URL", v.jwksURL}, {"JWT_ISSUER", v.issuer}, {"JWT_AUDIENCE", v.audience}} {
		if kv[1] == "" {
			out = append(out, kv[0]+" is not set")
		}
	}
	var bad []string
	for _, alg := range v.algorithms {
		if strings.EqualFold(alg, "none") || strings.HasPrefix(strings.ToUpper(alg), "HS") {
			bad = append(bad, alg)
		}
	}
	if len(bad) > 0 {
		out = append(out, "JWT_ALGORITHMS must be asymmetric, not "+strings.Join(bad, ", "))
	}
	return out
}

// jwks is the issuer's key set, cached for five minutes (refetched at once when refresh).
func (v *jwtVerifier) jwks(ctx context.Context, refresh bool) (*jose.JSONWebKeySet, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.keys != nil && !refresh && time.Since(v.fetched) < 5*time.Minute {
		return v.keys, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.jwksURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := v.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("JWKS answered HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	keys := &jose.JSONWebKeySet{}
	if err := json.Unmarshal(data, keys); err != nil {
		return nil, fmt.Errorf("JWKS is not a key set: %v", err)
	}
	v.keys, v.fetched = keys, time.Now()
	return keys, nil
}

func (v *jwtVerifier) verify(ctx context.Context, header string) (string, error) {
	if p := v.problems(); len(p) > 0 {
		return "", errors.New("token verification is not configured: " + strings.Join(p, "; "))
	}
	scheme, token, _ := strings.Cut(header, " ")
	token = strings.TrimSpace(token)
	if !strings.EqualFold(scheme, "bearer") || token == "" {
		return "", errors.New("a bearer token is required")
	}
	parsed, err := jwt.ParseSigned(token)
	if err != nil || len(parsed.Headers) != 1 {
		return "", errors.New("invalid token: not a signed JWT")
	}
	head := parsed.Headers[0]
	allowed := false
	for _, alg := range v.algorithms {
		allowed = allowed || alg == head.Algorithm
	}
	if !allowed {
		return "", fmt.Errorf("invalid token: algorithm %s is not allowed", head.Algorithm)
	}
	var key *jose.JSONWebKey
	for _, refresh := range []bool{false, true} {
		keys, err := v.jwks(ctx, refresh)
		if err != nil {
			return "", fmt.Errorf("no signing key for this token: %v", err)
		}
		if found := keys.Key(head.KeyID); len(found) > 0 {
			key = &found[0]
			break
		}
	}
	if key == nil {
		return "", fmt.Errorf("no signing key for this token: unknown kid %q", head.KeyID)
	}
	claims := jwt.Claims{}
	if err := parsed.Claims(key.Key, &claims); err != nil {
		return "", fmt.Errorf("invalid token: %v", err)
	}
	if claims.Expiry == nil || claims.Issuer == "" || len(claims.Audience) == 0 || claims.Subject == "" {
		return "", errors.New("invalid token: exp, iss, aud and sub are required")
	}
	expected := jwt.Expected{Issuer: v.issuer, Audience: jwt.Audience{v.audience}, Time: time.Now()}
	if err := claims.ValidateWithLeeway(expected, v.leeway); err != nil {
		return "", fmt.Errorf("invalid token: %v", err)
	}
	return claims.Subject, nil
}
