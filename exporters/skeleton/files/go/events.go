package main

// Events on the modelled brokers (brokers.go has one client per kind), in CloudEvents 1.0
// structured JSON envelopes:
//
//   - publishing: a producer span "<channel> publish" whose context goes into the envelope's
//     traceparent; with an outbox (publishes[].outbox_store) the envelope is inserted into
//     workbench_outbox and a relay publishes unsent rows in order (every 500 ms, and at once
//     after an insert) and sets sent_at, so an event written while the broker is down is
//     delivered when it returns;
//   - consuming: a consumer span "<channel> process", child of the envelope's context; an
//     idempotent subscription records the event id in workbench_processed (same transaction
//     as the handler's work) and acknowledges an id seen before without running the handler;
//   - dead letters: a delivery whose handler fails is redelivered; after DEAD_LETTER_AFTER
//     failed deliveries it is published unchanged to subscribes[].dead_letter and acknowledged.
//
// The tables come from the service's migrations, never from this code.

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

var (
	errUnknownEvent = errors.New("the service does not publish this event")
	errBrokerDown   = errors.New("broker is not connected")
)

// Broker is one connection to a modelled broker, kept up by Run until ctx ends.
type Broker interface {
	Run(ctx context.Context)
	Problem() string // "" when connected
	Publish(ctx context.Context, channel string, body []byte) error
}

// mapCarrier carries trace context in an envelope's fields (propagation.MapCarrier is newer
// than the OpenTelemetry release the skeleton is built against).
type mapCarrier map[string]string

func (c mapCarrier) Get(key string) string { return c[key] }
func (c mapCarrier) Set(key, value string) { c[key] = value }
func (c mapCarrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Outcome of one delivery, for the broker client.
type Outcome int

const (
	Ack   Outcome = iota // done (handled, duplicate or dead-lettered)
	Retry                // redeliver
)

type Received struct {
	Event   string         `json:"event"`
	Channel string         `json:"channel"`
	Message map[string]any `json:"message"`
}

type Messaging struct {
	spec        *Spec
	log         *Logger
	tel         *Telemetry
	brokers     map[string]Broker
	unsupported []string
	publishes   map[string]PublishSpec
	outboxes    map[string]*Outbox
	processed   *Store // nil: in-memory de-duplication
	deadAfter   int

	mu       sync.Mutex
	received []Received
	failNext map[string]int
	failures map[string]int // delivery key -> failed deliveries so far
	seen     map[string]bool
	cancel   context.CancelFunc
	wg       sync.WaitGroup
}

func NewMessaging(spec *Spec, stores *Datastores, tel *Telemetry, log *Logger) *Messaging {
	m := &Messaging{spec: spec, log: log, tel: tel, brokers: map[string]Broker{},
		publishes: map[string]PublishSpec{}, outboxes: map[string]*Outbox{},
		failNext: map[string]int{}, failures: map[string]int{}, seen: map[string]bool{},
		deadAfter: spec.Events.DeadLetterAfter}
	if n, err := strconv.Atoi(getenv("DEAD_LETTER_AFTER", "")); err == nil && n > 0 {
		m.deadAfter = n
	}
	if m.deadAfter <= 0 {
		m.deadAfter = 5
	}
	for _, b := range spec.Brokers {
		var subs []SubscribeSpec
		for _, s := range spec.Subscribes {
			if s.Broker == b.ID {
				subs = append(subs, s)
			}
		}
		if client := newBroker(b, spec.System, subs, m); client != nil {
			m.brokers[b.ID] = client
		} else {
			m.unsupported = append(m.unsupported, fmt.Sprintf("broker %s: kind %s is not supported by the Go skeleton", b.ID, b.Kind))
		}
	}
	for _, p := range spec.Publishes {
		m.publishes[p.Event] = p
		if p.OutboxStore != nil {
			if _, ok := m.outboxes[*p.OutboxStore]; !ok {
				if store := stores.Get(*p.OutboxStore); store != nil {
					m.outboxes[*p.OutboxStore] = &Outbox{store: store, m: m, wake: make(chan struct{}, 1)}
				}
			}
		} else if p.Outbox {
			log.Warn(context.Background(), "outbox modelled but the service writes no SQL datastore: events are published directly",
				Fields{"event": p.Event})
		}
	}
	for _, s := range spec.Subscribes {
		if s.Idempotent {
			if s.ProcessedStore != nil {
				m.processed = stores.Get(*s.ProcessedStore)
			}
			if m.processed == nil {
				log.Warn(context.Background(), "idempotent consumer without a SQL datastore: processed event ids are kept in memory", nil)
			}
			break
		}
	}
	return m
}

func (m *Messaging) Start(ctx context.Context) {
	ctx, m.cancel = context.WithCancel(ctx)
	for _, b := range m.brokers {
		m.wg.Add(1)
		go func(b Broker) { defer m.wg.Done(); b.Run(ctx) }(b)
	}
	for _, o := range m.outboxes {
		m.wg.Add(1)
		go func(o *Outbox) { defer m.wg.Done(); o.Run(ctx) }(o)
	}
}

func (m *Messaging) Stop() {
	if m.cancel != nil {
		m.cancel()
	}
	m.wg.Wait()
}

// Problems: one sentence per broker that is not connected or not supported.
func (m *Messaging) Problems() []string {
	out := append([]string{}, m.unsupported...)
	for _, b := range m.spec.Brokers {
		if client, ok := m.brokers[b.ID]; ok {
			if p := client.Problem(); p != "" {
				out = append(out, fmt.Sprintf("broker %s: %s", b.ID, p))
			}
		}
	}
	return out
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Publish publishes a modelled event (or stores it in the outbox): "published" or "stored".
func (m *Messaging) Publish(ctx context.Context, event string, data json.RawMessage) (string, string, error) {
	pub, ok := m.publishes[event]
	if !ok {
		return "", "", errUnknownEvent
	}
	ctx, span := m.tel.Start(ctx, pub.Channel+" publish", trace.SpanKindProducer)
	defer span.End()
	span.SetAttributes(attribute.String("messaging.destination", pub.Channel),
		attribute.String("messaging.system", m.brokerKind(pub.Broker)))
	if len(data) == 0 {
		data = json.RawMessage("null")
	}
	envelope := map[string]any{
		"specversion": "1.0", "id": newUUID(), "source": m.spec.Events.Source, "type": event,
		"time": time.Now().UTC().Format(time.RFC3339Nano), "datacontenttype": "application/json",
		"data": data,
	}
	carrier := mapCarrier{}
	m.tel.Inject(ctx, carrier)
	for _, key := range []string{"traceparent", "tracestate"} {
		if v := carrier.Get(key); v != "" {
			envelope[key] = v
		}
	}
	id := envelope["id"].(string)
	body, _ := json.Marshal(envelope)
	if pub.OutboxStore != nil {
		if outbox := m.outboxes[*pub.OutboxStore]; outbox != nil {
			if err := outbox.Insert(ctx, event, pub.Channel, body); err != nil {
				m.tel.EventsPublished.WithLabelValues(event, "error").Inc()
				span.SetStatus(codes.Error, err.Error())
				return id, "", fmt.Errorf("%w: outbox %s: %v", errBrokerDown, *pub.OutboxStore, err)
			}
			m.tel.EventsPublished.WithLabelValues(event, "stored").Inc()
			m.log.Info(ctx, "event stored in the outbox", Fields{"event": event, "event_id": id})
			return id, "stored", nil
		}
	}
	if err := m.send(ctx, pub, body); err != nil {
		m.tel.EventsPublished.WithLabelValues(event, "error").Inc()
		span.SetStatus(codes.Error, err.Error())
		m.log.Error(ctx, "event not published", Fields{"event": event, "event_id": id, "error": err})
		return id, "", err
	}
	m.tel.EventsPublished.WithLabelValues(event, "ok").Inc()
	m.log.Info(ctx, "event published", Fields{"event": event, "event_id": id, "channel": pub.Channel})
	return id, "published", nil
}

func (m *Messaging) brokerKind(id string) string {
	for _, b := range m.spec.Brokers {
		if b.ID == id {
			return b.Kind
		}
	}
	return ""
}

// send puts one message on the event's broker (direct publishing and the outbox relay).
func (m *Messaging) send(ctx context.Context, pub PublishSpec, body []byte) error {
	client, ok := m.brokers[pub.Broker]
	if !ok {
		return fmt.Errorf("%w: broker %s is not supported", errBrokerDown, pub.Broker)
	}
	if p := client.Problem(); p != "" {
		return fmt.Errorf("%w: broker %s: %s", errBrokerDown, pub.Broker, p)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Publish(ctx, pub.Channel, body); err != nil {
		return fmt.Errorf("%w: broker %s: %v", errBrokerDown, pub.Broker, err)
	}
	return nil
}

// Dispatch handles one delivery of sub's event and says whether to acknowledge it. key
// identifies the delivery across redeliveries when the body is not an envelope.
func (m *Messaging) Dispatch(sub SubscribeSpec, body []byte, key string, publish func(context.Context, string, []byte) error) Outcome {
	var message map[string]any
	if err := json.Unmarshal(body, &message); err != nil || message["specversion"] == nil {
		var data any
		if json.Unmarshal(body, &data) != nil {
			data = string(body)
		}
		message = map[string]any{"data": data}
	}
	eventID, _ := message["id"].(string)
	if eventID == "" {
		sum := sha256.Sum256(body)
		eventID = ""
		key = sub.Group + "/" + key + "/" + hex.EncodeToString(sum[:8])
	} else {
		key = sub.Group + "/" + eventID
	}
	carrier := mapCarrier{}
	for _, k := range []string{"traceparent", "tracestate"} {
		if v, ok := message[k].(string); ok {
			carrier.Set(k, v)
		}
	}
	ctx := m.tel.Extract(context.Background(), carrier)
	ctx, span := m.tel.Start(ctx, sub.Channel+" process", trace.SpanKindConsumer)
	defer span.End()
	span.SetAttributes(attribute.String("messaging.destination", sub.Channel),
		attribute.String("messaging.message_id", eventID))
	fields := Fields{"event": sub.Event, "channel": sub.Channel, "event_id": eventID}

	err := m.handleOnce(ctx, sub, eventID, message)
	switch {
	case err == nil:
		m.forget(key)
		m.tel.EventsConsumed.WithLabelValues(sub.Event, "ok").Inc()
		return Ack
	case errors.Is(err, errDuplicate):
		m.forget(key)
		m.tel.EventsConsumed.WithLabelValues(sub.Event, "duplicate").Inc()
		m.log.Info(ctx, "duplicate event acknowledged without handling", fields)
		return Ack
	case errors.Is(err, errInfrastructure):
		// the processed-message store is down: not the message's fault, so it does not count
		m.log.Warn(ctx, "event not handled, will be redelivered", Fields{"event": sub.Event, "event_id": eventID, "error": err})
		time.Sleep(time.Second)
		return Retry
	}
	span.SetStatus(codes.Error, err.Error())
	m.mu.Lock()
	m.failures[key]++
	failures := m.failures[key]
	m.mu.Unlock()
	if failures < m.deadAfter {
		m.tel.EventsConsumed.WithLabelValues(sub.Event, "error").Inc()
		m.log.Warn(ctx, "event handler failed, will be redelivered", Fields{"event": sub.Event,
			"event_id": eventID, "error": err, "deliveries": failures})
		return Retry
	}
	ctxPub, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if perr := publish(ctxPub, sub.DeadLetter, body); perr != nil {
		m.tel.EventsConsumed.WithLabelValues(sub.Event, "error").Inc()
		m.log.Error(ctx, "cannot dead-letter the event, will be redelivered", Fields{"event": sub.Event,
			"event_id": eventID, "error": perr})
		return Retry
	}
	m.forget(key)
	m.tel.EventsConsumed.WithLabelValues(sub.Event, "dead_lettered").Inc()
	m.log.Error(ctx, "event dead-lettered after failed deliveries", Fields{"event": sub.Event,
		"event_id": eventID, "dead_letter": sub.DeadLetter, "deliveries": failures, "error": err})
	return Ack
}

func (m *Messaging) forget(key string) {
	m.mu.Lock()
	delete(m.failures, key)
	m.mu.Unlock()
}

var (
	errDuplicate      = errors.New("duplicate event")
	errInfrastructure = errors.New("processed-message store unavailable")
)

// handleOnce runs the handler, at most once per event id for an idempotent subscription.
func (m *Messaging) handleOnce(ctx context.Context, sub SubscribeSpec, eventID string, message map[string]any) error {
	if !sub.Idempotent || eventID == "" {
		return m.onEvent(ctx, sub, message)
	}
	if m.processed == nil {
		m.mu.Lock()
		dup := m.seen[sub.Group+"/"+eventID]
		m.mu.Unlock()
		if dup {
			return errDuplicate
		}
		if err := m.onEvent(ctx, sub, message); err != nil {
			return err
		}
		m.mu.Lock()
		m.seen[sub.Group+"/"+eventID] = true
		m.mu.Unlock()
		return nil
	}
	db, err := m.processed.DB()
	if err != nil {
		return fmt.Errorf("%w: %v", errInfrastructure, err)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errInfrastructure, err)
	}
	defer func() { _ = tx.Rollback() }()
	insert := "INSERT INTO workbench_processed (consumer_group, event_id, processed_at) VALUES ($1, $2, now()) ON CONFLICT DO NOTHING"
	if m.processed.Kind != "postgres" {
		insert = "INSERT IGNORE INTO workbench_processed (consumer_group, event_id, processed_at) VALUES (?, ?, NOW())"
	}
	var res sql.Result
	if res, err = tx.ExecContext(ctx, insert, sub.Group, eventID); err != nil {
		return fmt.Errorf("%w: %v", errInfrastructure, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errDuplicate
	}
	// the real handler does its writes in tx here, so they commit with the event id
	if err := m.onEvent(ctx, sub, message); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%w: %v", errInfrastructure, err)
	}
	return nil
}

// onEvent is the stub consumer: log and remember. Replace it with the real handling.
func (m *Messaging) onEvent(ctx context.Context, sub SubscribeSpec, message map[string]any) error {
	m.mu.Lock()
	if m.failNext[sub.Event] > 0 {
		m.failNext[sub.Event]--
		m.mu.Unlock()
		return fmt.Errorf("failure injected by /_events/fail/%s", sub.Event)
	}
	m.received = append(m.received, Received{Event: sub.Event, Channel: sub.Channel, Message: message})
	if len(m.received) > 1000 {
		m.received = m.received[len(m.received)-1000:]
	}
	m.mu.Unlock()
	m.log.Info(ctx, "received", Fields{"event": sub.Event, "channel": sub.Channel})
	return nil
}

func (m *Messaging) Received() []Received {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Received{}, m.received...)
}

// FailNext makes the next n deliveries of event fail in the handler (dead-letter tests).
func (m *Messaging) FailNext(event string, n int) bool {
	for _, s := range m.spec.Subscribes {
		if s.Event == event {
			m.mu.Lock()
			m.failNext[event] = n
			m.mu.Unlock()
			return true
		}
	}
	return false
}
