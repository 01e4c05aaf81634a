package main

// Outbound calls with the model's resilience settings (spec.calls[]):
//
//   - deadline: timeout_ms is one overall deadline (a context) across every attempt and backoff;
//     a call modelled without one still gets a 30 s ceiling.
//   - retries: up to retries.max more attempts, exponential backoff backoff_ms * 2^(n-1), with
//     full jitter (a random pause in [0, backoff]) when retries.jitter. Connection failures are
//     always retried (nothing was sent); timeouts and 5xx answers only when the call is
//     idempotent (the modelled operation's flag, else by HTTP method).
//   - circuit breaker: opens after failure_threshold failed calls in a row, answers without a
//     network attempt while open, lets one trial call through after reset_timeout_ms
//     (half-open): success closes it, failure opens it again.
//   - fallback: when modelled, a failed call or an open circuit answers
//     200 {"fallback": <text>, "target": <to>} with header x-workbench-fallback: <to>.
//   - every attempt carries traceparent (when tracing), X-Request-ID, and the caller's
//     Authorization when the call is modelled with auth: jwt.
//
// The breaker is written out here (not eapache/go-resiliency's) because the contract counts
// consecutive failures and exports the state as a gauge; that library counts errors inside a
// time window and keeps its state private.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

const safetyTimeout = 30 * time.Second

var idempotentMethods = map[string]bool{"GET": true, "HEAD": true, "PUT": true, "DELETE": true, "OPTIONS": true}

type breakerState int

const (
	closed breakerState = iota
	open
	halfOpen
)

func (s breakerState) String() string {
	return [...]string{"closed", "open", "half-open"}[s]
}

type Breaker struct {
	mu        sync.Mutex
	threshold int
	reset     time.Duration
	state     breakerState
	failures  int
	openedAt  time.Time
	onChange  func(breakerState)
}

// Allow says whether a call may go to the network now (an open circuit turns half-open, and
// lets one trial call through, once reset has passed).
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case open:
		if time.Since(b.openedAt) < b.reset {
			return false
		}
		b.set(halfOpen)
		return true
	case halfOpen:
		return false // the trial call is under way
	}
	return true
}

func (b *Breaker) Success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures = 0
	b.set(closed)
}

func (b *Breaker) Failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	if b.state == halfOpen || b.failures >= b.threshold {
		b.openedAt = time.Now()
		b.set(open)
	}
}

func (b *Breaker) set(s breakerState) {
	b.state = s
	if b.onChange != nil {
		b.onChange(s)
	}
}

func (b *Breaker) snapshot() (breakerState, int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state, b.failures
}

var (
	errCircuitOpen = errors.New("circuit is open")
	errCallFailed  = errors.New("call failed")
)

// Response is what a call answered: the dependency's, or the modelled fallback's.
type Response struct {
	Status   int
	Header   http.Header
	Body     []byte
	Fallback bool
}

type Dependency struct {
	spec      CallSpec
	tel       *Telemetry
	log       *Logger
	client    *http.Client
	breaker   *Breaker
	mu        sync.Mutex
	attempts  int
	rejected  int
	fallbacks int
}

func (d *Dependency) timeout() time.Duration {
	if d.spec.TimeoutMs > 0 {
		return time.Duration(d.spec.TimeoutMs) * time.Millisecond
	}
	return safetyTimeout
}

func (d *Dependency) delay(attempt int) time.Duration {
	backoff := d.spec.Retries.BackoffMs
	if backoff <= 0 {
		backoff = 100
	}
	pause := float64(backoff) * math.Pow(2, float64(attempt-1))
	if d.spec.Retries.Jitter {
		pause = rand.Float64() * pause
	}
	return time.Duration(pause * float64(time.Millisecond))
}

func (d *Dependency) count(field *int) {
	d.mu.Lock()
	*field++
	d.mu.Unlock()
}

// Call sends method path (with body) to the dependency, with the modelled deadline, retries,
// breaker and fallback. authorization is the caller's header (forwarded on auth: jwt calls).
func (d *Dependency) Call(ctx context.Context, method, path string, body []byte, authorization string) (*Response, error) {
	resp, outcome, err := d.call(ctx, method, path, body, authorization)
	if err != nil && d.spec.Fallback != nil {
		d.count(&d.fallbacks)
		d.tel.ClientRequests.WithLabelValues(d.spec.To, "fallback").Inc()
		d.log.Warn(ctx, "call answered by its fallback", Fields{"target": d.spec.To, "reason": err.Error()})
		data, _ := json.Marshal(map[string]any{"fallback": *d.spec.Fallback, "target": d.spec.To})
		h := http.Header{}
		h.Set("x-workbench-fallback", d.spec.To)
		h.Set("content-type", "application/json")
		return &Response{Status: http.StatusOK, Header: h, Body: data, Fallback: true}, nil
	}
	d.tel.ClientRequests.WithLabelValues(d.spec.To, outcome).Inc()
	return resp, err
}

func (d *Dependency) call(ctx context.Context, method, path string, body []byte, authorization string) (*Response, string, error) {
	base := strings.TrimRight(getenv(d.spec.Env, ""), "/")
	if base == "" { // before the breaker: a half-open trial must end in Success or Failure
		return nil, "error", fmt.Errorf("%w: %s is not set", errCallFailed, d.spec.Env)
	}
	if d.breaker != nil && !d.breaker.Allow() {
		d.count(&d.rejected)
		return nil, "short_circuited", fmt.Errorf("%w: circuit to %s is open", errCircuitOpen, d.spec.To)
	}
	method = strings.ToUpper(method)
	idempotent := idempotentMethods[method]
	if d.spec.Idempotent != nil {
		idempotent = *d.spec.Idempotent
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	deadline, _ := ctx.Deadline()
	problem, outcome := "no attempt made", "error"
	for attempt := 0; attempt <= d.spec.Retries.Max; attempt++ {
		if attempt > 0 {
			pause := d.delay(attempt)
			if left := time.Until(deadline); pause > left {
				pause = left
			}
			select {
			case <-time.After(pause):
			case <-ctx.Done():
			}
		}
		if time.Until(deadline) <= 0 {
			problem, outcome = fmt.Sprintf("deadline of %v exceeded", d.timeout()), "timeout"
			break
		}
		resp, err := d.attempt(ctx, method, base+path, body, authorization)
		if err != nil {
			var op *net.OpError
			switch {
			case errors.As(err, &op) && op.Op == "dial", errors.Is(err, syscall.ECONNREFUSED):
				problem, outcome = "connect: "+err.Error(), "error"
				continue // nothing was sent
			case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
				problem, outcome = fmt.Sprintf("deadline of %v exceeded", d.timeout()), "timeout"
			default:
				problem, outcome = err.Error(), "error"
			}
			if idempotent {
				continue
			}
			break
		}
		if resp.Status >= 500 {
			problem, outcome = fmt.Sprintf("HTTP %d", resp.Status), "error"
			if idempotent {
				continue
			}
			break
		}
		if d.breaker != nil {
			d.breaker.Success()
		}
		return resp, "success", nil
	}
	if d.breaker != nil {
		d.breaker.Failure()
	}
	return nil, outcome, fmt.Errorf("%w: call to %s failed: %s", errCallFailed, d.spec.To, problem)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func (d *Dependency) attempt(ctx context.Context, method, url string, body []byte, authorization string) (*Response, error) {
	d.count(&d.attempts)
	ctx, span := d.tel.Start(ctx, method, trace.SpanKindClient)
	defer span.End()
	span.SetAttributes(attribute.String("http.method", method), attribute.String("http.url", url),
		attribute.String("peer.service", d.spec.To))
	var reader io.Reader
	if body != nil {
		reader = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return nil, err
	}
	req.Header.Set("user-agent", "workbench-skeleton")
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	if id := RequestID(ctx); id != "" {
		req.Header.Set("X-Request-ID", id)
	}
	if d.spec.Auth == "jwt" && authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	d.tel.Inject(ctx, propagation.HeaderCarrier(req.Header))
	started := time.Now()
	resp, err := d.client.Do(req)
	d.tel.ClientDuration.WithLabelValues(d.spec.To).Observe(time.Since(started).Seconds())
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 10<<20))
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.status_code", resp.StatusCode))
	if resp.StatusCode >= 500 {
		span.SetStatus(codes.Error, resp.Status)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// Stats for GET /_calls and the debug call endpoint.
func (d *Dependency) Stats() map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	state, failures := "none", 0
	if d.breaker != nil {
		s, f := d.breaker.snapshot()
		state, failures = s.String(), f
	}
	return map[string]any{"to": d.spec.To, "attempts": d.attempts, "rejected": d.rejected,
		"fallbacks": d.fallbacks, "state": state, "failures": failures}
}

type Dependencies struct {
	byName map[string]*Dependency
	names  []string
}

func NewDependencies(specs []CallSpec, tel *Telemetry, log *Logger) *Dependencies {
	client := &http.Client{Transport: &http.Transport{
		Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second,
	}}
	deps := &Dependencies{byName: map[string]*Dependency{}}
	for _, s := range specs {
		d := &Dependency{spec: s, tel: tel, log: log, client: client}
		if s.CircuitBreaker != nil {
			target := s.To
			d.breaker = &Breaker{
				threshold: s.CircuitBreaker.FailureThreshold,
				reset:     time.Duration(s.CircuitBreaker.ResetTimeoutMs) * time.Millisecond,
				onChange: func(st breakerState) {
					tel.BreakerState.WithLabelValues(target).Set(float64(st))
				},
			}
			tel.BreakerState.WithLabelValues(target).Set(0)
		}
		deps.byName[s.To] = d
		deps.names = append(deps.names, s.To)
	}
	return deps
}

func (d *Dependencies) Get(name string) *Dependency { return d.byName[name] }
