package main

// The service's HTTP API on net/http: liveness, readiness, /metrics, one stub per modelled
// operation (also under each route prefix), and the debug endpoints when
// WORKBENCH_DEBUG_ENDPOINTS=1 (never in production): GET /_events/received,
// POST /_events/publish/<event>, GET /_calls, POST /_calls/<target>?method=GET&path=/,
// POST /_events/fail/<event>?times=N.
// Every response carries X-Request-ID (the client's when it sent a usable one); every request
// gets a server span (continuing an incoming traceparent), RED metrics under its route template
// and one log line.

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

type App struct {
	spec      *Spec
	log       *Logger
	tel       *Telemetry
	stores    *Datastores
	calls     *Dependencies
	messaging *Messaging
	auth      *Auth
	debug     bool
	routes    []route
}

type route struct {
	method, template string
	re               *regexp.Regexp
	quiet            bool // probes and scrapes: logged at debug level
	handle           func(w http.ResponseWriter, r *http.Request, params []string)
}

var paramRe = regexp.MustCompile(`\\\{[^}/]+\\\}`)

func (a *App) add(method, template string, quiet bool, handle func(http.ResponseWriter, *http.Request, []string)) {
	pattern := paramRe.ReplaceAllString(regexp.QuoteMeta(template), `([^/]+)`)
	a.routes = append(a.routes, route{method, template, regexp.MustCompile("^" + pattern + "$"), quiet, handle})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("content-type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func detail(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"detail": msg})
}

func (a *App) Handler() http.Handler {
	live := map[string]bool{"/healthz": true, a.spec.Health.Liveness: true}
	for path := range live {
		a.add("GET", path, true, a.liveness)
	}
	for _, path := range []string{"/readyz", a.spec.Health.Readiness} {
		if !live[path] {
			live[path] = true
			a.add("GET", path, true, a.readiness)
		}
	}
	if a.spec.Observability.Metrics {
		metrics := a.tel.MetricsHandler()
		a.add("GET", "/metrics", true, func(w http.ResponseWriter, r *http.Request, _ []string) { metrics.ServeHTTP(w, r) })
	}
	if a.debug {
		a.add("GET", "/_events/received", false, a.received)
		a.add("POST", "/_events/publish/{event}", false, a.publish)
		a.add("POST", "/_events/fail/{event}", false, a.fail)
		a.add("GET", "/_calls", false, a.callStats)
		a.add("POST", "/_calls/{target}", false, a.callTarget)
	}
	for _, op := range a.spec.Operations {
		op := op
		for _, prefix := range append([]string{""}, a.spec.RoutePrefixes...) {
			a.add(op.Method, prefix+op.Path, false, func(w http.ResponseWriter, r *http.Request, _ []string) {
				a.operation(w, r, op)
			})
		}
	}
	return http.HandlerFunc(a.serve)
}

// requestID is the client's X-Request-ID when usable (1-128 printable characters), else new.
func requestID(given string) string {
	if given == "" || len(given) > 128 {
		return newUUID()
	}
	for i := 0; i < len(given); i++ {
		if given[i] < 0x20 || given[i] > 0x7e {
			return newUUID()
		}
	}
	return given
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (a *App) serve(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	id := requestID(r.Header.Get("X-Request-ID"))
	w.Header().Set("X-Request-ID", id)
	var matched *route
	var params []string
	allowed := []string{}
	for i := range a.routes {
		rt := &a.routes[i]
		if m := rt.re.FindStringSubmatch(r.URL.Path); m != nil {
			if rt.method == r.Method || (r.Method == http.MethodHead && rt.method == http.MethodGet) {
				matched, params = rt, m[1:]
				break
			}
			allowed = append(allowed, rt.method)
		}
	}
	template := "unmatched"
	if matched != nil {
		template = matched.template
	}
	ctx := a.tel.Extract(WithRequestID(r.Context(), id), propagation.HeaderCarrier(r.Header))
	ctx, span := a.tel.Start(ctx, r.Method+" "+template, trace.SpanKindServer)
	defer span.End()
	span.SetAttributes(attribute.String("http.method", r.Method), attribute.String("http.route", template),
		attribute.String("http.target", r.URL.Path))
	rec := &recorder{ResponseWriter: w}
	r = r.WithContext(ctx)
	switch {
	case matched != nil:
		matched.handle(rec, r, params)
	case len(allowed) > 0:
		sort.Strings(allowed)
		rec.Header().Set("Allow", strings.Join(allowed, ", "))
		detail(rec, http.StatusMethodNotAllowed, "method not allowed")
	default:
		detail(rec, http.StatusNotFound, "not found")
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	elapsed := time.Since(started)
	status := strconv.Itoa(rec.status)
	span.SetAttributes(attribute.Int("http.status_code", rec.status))
	if rec.status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(rec.status))
	}
	a.tel.ServerRequests.WithLabelValues(r.Method, template, status).Inc()
	a.tel.ServerDuration.WithLabelValues(r.Method, template).Observe(elapsed.Seconds())
	fields := Fields{"method": r.Method, "path": r.URL.Path, "route": template, "status": rec.status,
		"duration_ms": float64(elapsed.Microseconds()) / 1000}
	if matched != nil && matched.quiet && rec.status < 500 {
		a.log.Debug(ctx, "request", fields)
	} else {
		a.log.Info(ctx, "request", fields)
	}
}

func (a *App) liveness(w http.ResponseWriter, r *http.Request, _ []string) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "service": a.spec.Service})
}

func (a *App) readiness(w http.ResponseWriter, r *http.Request, _ []string) {
	problems := a.stores.Problems(r.Context())
	problems = append(problems, a.messaging.Problems()...)
	problems = append(problems, a.auth.Problems()...)
	for _, c := range a.spec.Calls {
		if getenv(c.Env, "") == "" {
			// an operator-supplied address left empty keeps the service out of rotation
			problems = append(problems, c.Env+" is not set")
		}
	}
	if len(problems) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "unavailable", "problems": problems})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "service": a.spec.Service})
}

// operation is the stub of one modelled operation: replace it with the real handler.
func (a *App) operation(w http.ResponseWriter, r *http.Request, op OperationSpec) {
	caller, err := a.auth.Identify(r, op.Auth)
	if err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		detail(w, http.StatusUnauthorized, err.Error())
		return
	}
	body := map[string]any{"service": a.spec.Service, "operation": op.Key, "stub": true,
		"method": r.Method, "path": r.URL.Path}
	if caller != "" {
		body["caller"] = caller
	}
	writeJSON(w, http.StatusOK, body)
}

func (a *App) received(w http.ResponseWriter, r *http.Request, _ []string) {
	writeJSON(w, http.StatusOK, a.messaging.Received())
}

func readBody(r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(data) > 1<<20 {
		return nil, errors.New("the body is larger than 1 MiB")
	}
	return data, nil
}

func (a *App) publish(w http.ResponseWriter, r *http.Request, params []string) {
	event := params[0]
	data, err := readBody(r)
	if err != nil {
		detail(w, http.StatusBadRequest, err.Error())
		return
	}
	if len(strings.TrimSpace(string(data))) > 0 && !json.Valid(data) {
		detail(w, http.StatusBadRequest, "the body is not JSON")
		return
	}
	id, how, err := a.messaging.Publish(r.Context(), event, data)
	switch {
	case errors.Is(err, errUnknownEvent):
		detail(w, http.StatusNotFound, "service "+a.spec.Service+" does not publish "+event)
	case err != nil:
		detail(w, http.StatusServiceUnavailable, err.Error())
	default:
		writeJSON(w, http.StatusAccepted, map[string]any{"event": event, "id": id, "status": how})
	}
}

func (a *App) fail(w http.ResponseWriter, r *http.Request, params []string) {
	times, err := strconv.Atoi(getQuery(r, "times", "1"))
	if err != nil || times < 0 {
		detail(w, http.StatusBadRequest, "times must be a whole number, 0 or more")
		return
	}
	if !a.messaging.FailNext(params[0], times) {
		detail(w, http.StatusNotFound, "service "+a.spec.Service+" does not consume "+params[0])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"event": params[0], "times": times})
}

func getQuery(r *http.Request, key, fallback string) string {
	if v := r.URL.Query().Get(key); v != "" {
		return v
	}
	return fallback
}

func (a *App) callStats(w http.ResponseWriter, r *http.Request, _ []string) {
	out := map[string]any{}
	for _, name := range a.calls.names {
		out[name] = a.calls.Get(name).Stats()
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *App) callTarget(w http.ResponseWriter, r *http.Request, params []string) {
	dep := a.calls.Get(params[0])
	if dep == nil {
		detail(w, http.StatusNotFound, "service "+a.spec.Service+" does not call "+params[0])
		return
	}
	path := getQuery(r, "path", "/")
	if !strings.HasPrefix(path, "/") {
		detail(w, http.StatusBadRequest, "path must start with /")
		return
	}
	var body []byte
	if data, err := readBody(r); err == nil && len(data) > 0 {
		body = data
	}
	resp, err := dep.Call(r.Context(), getQuery(r, "method", "GET"), path, body, r.Header.Get("Authorization"))
	out := dep.Stats()
	if err != nil {
		out["detail"] = err.Error()
		status := http.StatusBadGateway
		if errors.Is(err, errCircuitOpen) {
			status = http.StatusServiceUnavailable
		}
		writeJSON(w, status, out)
		return
	}
	var parsed any
	if json.Unmarshal(resp.Body, &parsed) != nil {
		parsed = string(resp.Body)
	}
	out["status"], out["body"], out["fallback"] = resp.Status, parsed, nil
	if resp.Fallback {
		out["fallback"] = *dep.spec.Fallback
	}
	writeJSON(w, http.StatusOK, out)
}
