package main

// The transactional outbox (publishes[].outbox_store): envelopes inserted into
// workbench_outbox(id, event, channel, envelope, created_at, sent_at) of a SQL datastore, and a
// relay that publishes unsent rows in order and sets sent_at. The relay runs every 500 ms and
// at once after an insert; an event written while the broker is down waits in the table and is
// delivered when the broker returns. Delivery is at least once (a crash between the publish and
// the commit sends the row again): consumers de-duplicate on the event id.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Outbox is workbench_outbox in one SQL datastore, with its relay.
type Outbox struct {
	store *Store
	m     *Messaging
	wake  chan struct{}
}

func (o *Outbox) q(postgres, other string) string {
	if o.store.Kind == "postgres" {
		return postgres
	}
	return other
}

// Insert stores an envelope (the real code does it in the business write's transaction); the
// row's id is the table's own sequence, so the relay publishes in insertion order.
func (o *Outbox) Insert(ctx context.Context, event, channel string, envelope []byte) error {
	db, err := o.store.DB()
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, o.q(
		"INSERT INTO workbench_outbox (event, channel, envelope) VALUES ($1, $2, $3)",
		"INSERT INTO workbench_outbox (event, channel, envelope) VALUES (?, ?, ?)"),
		event, channel, string(envelope))
	if err == nil {
		select {
		case o.wake <- struct{}{}:
		default:
		}
	}
	return err
}

func (o *Outbox) Run(ctx context.Context) {
	ticker := time.NewTicker(500 * time.Millisecond)
	defer ticker.Stop()
	failing := ""
	for {
		if err := o.relay(ctx); err != nil {
			if err.Error() != failing {
				o.m.log.Warn(ctx, "outbox relay: events wait for the broker", Fields{"store": o.store.ID, "error": err})
			}
			failing = err.Error()
		} else {
			failing = ""
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-o.wake:
		}
	}
}

// relay publishes unsent rows in order, each marked sent in the transaction that locked it
// (FOR UPDATE SKIP LOCKED: replicas share the work), then updates outbox_pending.
func (o *Outbox) relay(ctx context.Context) error {
	db, err := o.store.DB()
	if err != nil {
		return err
	}
	for {
		sent, err := o.relayOne(ctx, db)
		if err != nil {
			o.updatePending(ctx, db)
			return err
		}
		if !sent {
			break
		}
	}
	o.updatePending(ctx, db)
	return nil
}

func (o *Outbox) relayOne(ctx context.Context, db *sql.DB) (bool, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer func() { _ = tx.Rollback() }()
	var id, event, channel, envelope string
	err = tx.QueryRowContext(ctx, "SELECT id, event, channel, envelope FROM workbench_outbox"+
		" WHERE sent_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED").Scan(&id, &event, &channel, &envelope)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pub, ok := o.m.publishes[event]
	if !ok {
		return false, fmt.Errorf("outbox row %s: event %s is not published by this service", id, event)
	}
	pub.Channel = channel
	// log in the event's own trace (the envelope carries it)
	var env struct {
		Traceparent string `json:"traceparent"`
		Tracestate  string `json:"tracestate"`
	}
	if json.Unmarshal([]byte(envelope), &env) == nil && env.Traceparent != "" {
		ctx = o.m.tel.Extract(ctx, mapCarrier{"traceparent": env.Traceparent, "tracestate": env.Tracestate})
	}
	if err := o.m.send(ctx, pub, []byte(envelope)); err != nil {
		o.m.tel.EventsPublished.WithLabelValues(event, "error").Inc()
		return false, err
	}
	if _, err := tx.ExecContext(ctx, o.q("UPDATE workbench_outbox SET sent_at = now() WHERE id = $1",
		"UPDATE workbench_outbox SET sent_at = NOW(6) WHERE id = ?"), id); err != nil {
		return false, err
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	o.m.tel.EventsPublished.WithLabelValues(event, "ok").Inc()
	o.m.log.Info(ctx, "outbox event published", Fields{"event": event, "outbox_id": id, "channel": channel})
	return true, nil
}

func (o *Outbox) updatePending(ctx context.Context, db *sql.DB) {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM workbench_outbox WHERE sent_at IS NULL").Scan(&n); err == nil {
		o.m.tel.OutboxPending.WithLabelValues(o.store.ID).Set(float64(n))
	}
}
