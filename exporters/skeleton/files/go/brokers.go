package main

// One client per broker kind, with the conventions every runtime shares (docs/skeletons.md):
//
//   - rabbitmq (amqp091-go): durable topic exchange <system>.events, routing key = channel;
//     each subscription a durable queue <group>.<channel> bound to it, and its dead letters a
//     durable queue <group>.<channel>.dead-letter bound under <channel>.dead-letter; publishes
//     are persistent and wait for the broker's confirm;
//   - nats (nats.go): subject = channel, queue group = group, dead letters on
//     <channel>.dead-letter; core NATS does not redeliver, so a failed delivery is retried in
//     the process until it succeeds or is dead-lettered;
//   - redis (redigo): stream = channel, consumer group = group, dead letters on the stream
//     <channel>.dead-letter; a failed entry stays pending and is read again;
//   - kafka and others: not supported (no Kafka client is packaged where the skeleton is
//     built); readiness says so.
// Every client reconnects by itself; Problem() is what readiness reports meanwhile.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/nats-io/nats.go"
	amqp "github.com/rabbitmq/amqp091-go"
)

func newBroker(spec BrokerSpec, system string, subs []SubscribeSpec, m *Messaging) Broker {
	switch spec.Kind {
	case "rabbitmq":
		return &rabbitBroker{spec: spec, exchange: system + ".events", subs: subs, m: m, status: status{problem: "not connected yet"}}
	case "nats":
		return &natsBroker{spec: spec, subs: subs, m: m}
	case "redis":
		return &redisBroker{spec: spec, subs: subs, m: m, status: status{problem: "not connected yet"}}
	}
	return nil
}

// status is the shared "connected or why not" of a broker client.
type status struct {
	mu      sync.Mutex
	problem string
}

func (s *status) set(problem string) {
	s.mu.Lock()
	s.problem = problem
	s.mu.Unlock()
}

func (s *status) Problem() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.problem
}

func brokerURL(spec BrokerSpec) (string, error) {
	u := getenv(spec.Env, "")
	if u == "" {
		return "", fmt.Errorf("%s is not set", spec.Env)
	}
	return u, nil
}

// reconnect runs session until ctx ends, waiting 1 s, 2 s, ... 5 s between failures.
func reconnect(ctx context.Context, st *status, log *Logger, id string, session func(context.Context) error) {
	wait := time.Second
	for ctx.Err() == nil {
		started := time.Now()
		err := session(ctx)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = fmt.Errorf("connection closed")
		}
		if st.Problem() == "" {
			log.Warn(ctx, "broker connection lost", Fields{"broker": id, "error": err})
		}
		st.set(err.Error())
		if time.Since(started) > 30*time.Second {
			wait = time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if wait < 5*time.Second {
			wait += time.Second
		}
	}
}

type rabbitBroker struct {
	status
	spec     BrokerSpec
	exchange string
	subs     []SubscribeSpec
	m        *Messaging
	pubMu    sync.Mutex
	pub      *amqp.Channel
}

func (r *rabbitBroker) Run(ctx context.Context) {
	reconnect(ctx, &r.status, r.m.log, r.spec.ID, r.session)
}

func (r *rabbitBroker) session(ctx context.Context) error {
	raw, err := brokerURL(r.spec)
	if err != nil {
		return err
	}
	conn, err := amqp.DialConfig(raw, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second), Heartbeat: 10 * time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	closed := conn.NotifyClose(make(chan *amqp.Error, 1))
	pub, err := conn.Channel()
	if err != nil {
		return err
	}
	if err := pub.Confirm(false); err != nil {
		return err
	}
	if err := pub.ExchangeDeclare(r.exchange, "topic", true, false, false, false, nil); err != nil {
		return err
	}
	for _, sub := range r.subs {
		ch, err := conn.Channel()
		if err != nil {
			return err
		}
		queue := sub.Group + "." + sub.Channel
		if err := ch.Qos(10, 0, false); err != nil {
			return err
		}
		for name, key := range map[string]string{queue: sub.Channel, queue + ".dead-letter": sub.DeadLetter} {
			if _, err := ch.QueueDeclare(name, true, false, false, false, nil); err != nil {
				return err
			}
			if err := ch.QueueBind(name, key, r.exchange, false, nil); err != nil {
				return err
			}
		}
		deliveries, err := ch.Consume(queue, "", false, false, false, false, nil)
		if err != nil {
			return err
		}
		go func(sub SubscribeSpec) {
			for d := range deliveries {
				if r.m.Dispatch(sub, d.Body, d.MessageId, r.Publish) == Ack {
					_ = d.Ack(false)
				} else {
					_ = d.Nack(false, true)
				}
			}
		}(sub)
	}
	r.pubMu.Lock()
	r.pub = pub
	r.pubMu.Unlock()
	defer func() {
		r.pubMu.Lock()
		r.pub = nil
		r.pubMu.Unlock()
	}()
	r.set("")
	r.m.log.Info(ctx, "broker connected", Fields{"broker": r.spec.ID, "exchange": r.exchange})
	inspect, err := conn.Channel()
	if err != nil {
		return err
	}
	lag := time.NewTicker(5 * time.Second)
	defer lag.Stop()
	for {
		for _, sub := range r.subs { // consumer lag: messages ready in the group's queue
			if q, err := inspect.QueueDeclarePassive(sub.Group+"."+sub.Channel, true, false, false, false, nil); err == nil {
				r.m.tel.ConsumerLag.WithLabelValues(sub.Event, sub.Group).Set(float64(q.Messages))
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-lag.C:
			continue
		case err := <-closed:
			if err == nil {
				return fmt.Errorf("connection closed")
			}
			return err
		}
	}
}

// Publish puts body on the exchange under routing key channel and waits for the confirm.
func (r *rabbitBroker) Publish(ctx context.Context, channel string, body []byte) error {
	r.pubMu.Lock()
	defer r.pubMu.Unlock()
	if r.pub == nil {
		return errBrokerDown
	}
	confirm, err := r.pub.PublishWithDeferredConfirmWithContext(ctx, r.exchange, channel, false, false,
		amqp.Publishing{ContentType: "application/json", DeliveryMode: amqp.Persistent, Body: body})
	if err != nil {
		return err
	}
	acked := make(chan bool, 1)
	go func() { acked <- confirm.Wait() }()
	select {
	case ok := <-acked:
		if !ok {
			return fmt.Errorf("the broker did not confirm the message")
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("no confirm from the broker: %v", ctx.Err())
	}
}

type natsBroker struct {
	spec BrokerSpec
	subs []SubscribeSpec
	m    *Messaging
	mu   sync.Mutex
	nc   *nats.Conn
	err  string
}

func (n *natsBroker) Problem() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.nc == nil {
		if n.err == "" {
			return "not connected yet"
		}
		return n.err
	}
	if !n.nc.IsConnected() {
		if err := n.nc.LastError(); err != nil {
			return "not connected: " + err.Error()
		}
		return "not connected"
	}
	return ""
}

func (n *natsBroker) Run(ctx context.Context) {
	raw, err := brokerURL(n.spec)
	if err != nil {
		n.mu.Lock()
		n.err = err.Error()
		n.mu.Unlock()
		<-ctx.Done()
		return
	}
	nc, err := nats.Connect(raw, nats.Name(n.m.spec.Service), nats.Timeout(5*time.Second),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.m.log.Warn(ctx, "broker connection lost", Fields{"broker": n.spec.ID, "error": fmt.Sprint(err)})
		}))
	if err != nil {
		n.mu.Lock()
		n.err = err.Error()
		n.mu.Unlock()
		<-ctx.Done()
		return
	}
	defer nc.Close()
	for _, sub := range n.subs {
		sub := sub
		_, err := nc.QueueSubscribe(sub.Channel, sub.Group, func(msg *nats.Msg) {
			// core NATS does not redeliver: retry here until handled or dead-lettered
			for ctx.Err() == nil && n.m.Dispatch(sub, msg.Data, "", n.Publish) == Retry {
				time.Sleep(100 * time.Millisecond)
			}
		})
		if err != nil {
			n.mu.Lock()
			n.err = err.Error()
			n.mu.Unlock()
		}
	}
	n.mu.Lock()
	n.nc = nc
	n.mu.Unlock()
	<-ctx.Done()
}

func (n *natsBroker) Publish(ctx context.Context, channel string, body []byte) error {
	n.mu.Lock()
	nc := n.nc
	n.mu.Unlock()
	if nc == nil || !nc.IsConnected() {
		return errBrokerDown
	}
	if err := nc.Publish(channel, body); err != nil {
		return err
	}
	timeout := 5 * time.Second
	if deadline, ok := ctx.Deadline(); ok {
		timeout = time.Until(deadline)
	}
	return nc.FlushTimeout(timeout)
}

type redisBroker struct {
	status
	spec BrokerSpec
	subs []SubscribeSpec
	m    *Messaging
	mu   sync.Mutex
	pool *redis.Pool
}

func (r *redisBroker) getPool() (*redis.Pool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pool != nil {
		return r.pool, nil
	}
	raw, err := brokerURL(r.spec)
	if err != nil {
		return nil, err
	}
	r.pool = &redis.Pool{MaxIdle: 4, IdleTimeout: time.Minute, Dial: func() (redis.Conn, error) {
		return redis.DialURL(raw, redis.DialConnectTimeout(5*time.Second),
			redis.DialReadTimeout(10*time.Second), redis.DialWriteTimeout(5*time.Second))
	}}
	return r.pool, nil
}

func (r *redisBroker) Run(ctx context.Context) {
	reconnect(ctx, &r.status, r.m.log, r.spec.ID, r.session)
}

func (r *redisBroker) session(ctx context.Context) error {
	pool, err := r.getPool()
	if err != nil {
		return err
	}
	conn, err := pool.GetContext(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.Do("PING"); err != nil {
		return err
	}
	for _, sub := range r.subs {
		_, err := conn.Do("XGROUP", "CREATE", sub.Channel, sub.Group, "$", "MKSTREAM")
		if err != nil && !strings.Contains(err.Error(), "BUSYGROUP") {
			return err
		}
	}
	r.set("")
	r.m.log.Info(ctx, "broker connected", Fields{"broker": r.spec.ID})
	errs := make(chan error, len(r.subs)+1)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, sub := range r.subs {
		go func(sub SubscribeSpec) { errs <- r.consume(sctx, pool, sub) }(sub)
	}
	go func() { // watch the connection when nothing else would notice it break; measure lag
		for sctx.Err() == nil {
			if _, err := conn.Do("PING"); err != nil {
				errs <- err
				return
			}
			for _, sub := range r.subs {
				r.measureLag(conn, sub)
			}
			select {
			case <-sctx.Done():
			case <-time.After(2 * time.Second):
			}
		}
	}()
	select {
	case <-ctx.Done():
		return nil
	case err := <-errs:
		return err
	}
}

// measureLag reads the group's lag (entries not yet delivered to it) from XINFO GROUPS.
func (r *redisBroker) measureLag(conn redis.Conn, sub SubscribeSpec) {
	groups, err := redis.Values(conn.Do("XINFO", "GROUPS", sub.Channel))
	if err != nil {
		return
	}
	for _, g := range groups {
		info, err := redis.Values(g, nil)
		if err != nil {
			continue
		}
		fields := map[string]any{}
		for i := 0; i+1 < len(info); i += 2 {
			if name, err := redis.String(info[i], nil); err == nil {
				fields[name] = info[i+1]
			}
		}
		if name, _ := redis.String(fields["name"], nil); name == sub.Group {
			if lag, err := redis.Int64(fields["lag"], nil); err == nil {
				r.m.tel.ConsumerLag.WithLabelValues(sub.Event, sub.Group).Set(float64(lag))
			}
		}
	}
}

// consume reads the consumer's pending entries first (failed deliveries), then new ones.
func (r *redisBroker) consume(ctx context.Context, pool *redis.Pool, sub SubscribeSpec) error {
	conn, err := pool.GetContext(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	host, _ := os.Hostname()
	consumer := fmt.Sprintf("%s-%d", host, os.Getpid())
	for ctx.Err() == nil {
		handled := 0
		for _, id := range []string{"0", ">"} {
			args := []any{"GROUP", sub.Group, consumer, "COUNT", 20}
			if id == ">" {
				args = append(args, "BLOCK", 1000)
			}
			reply, err := redis.Values(conn.Do("XREADGROUP", append(args, "STREAMS", sub.Channel, id)...))
			if err == redis.ErrNil {
				continue
			}
			if err != nil {
				return err
			}
			for _, stream := range reply {
				parts, _ := redis.Values(stream, nil)
				if len(parts) != 2 {
					continue
				}
				entries, _ := redis.Values(parts[1], nil)
				for _, e := range entries {
					entry, _ := redis.Values(e, nil)
					if len(entry) != 2 {
						continue
					}
					entryID, _ := redis.String(entry[0], nil)
					fields, _ := redis.StringMap(entry[1], nil)
					handled++
					if r.m.Dispatch(sub, []byte(fields["data"]), entryID, r.Publish) == Ack {
						if _, err := conn.Do("XACK", sub.Channel, sub.Group, entryID); err != nil {
							return err
						}
					}
				}
			}
			if id == "0" && handled > 0 {
				break // pending entries first, until none are left
			}
		}
	}
	return nil
}

func (r *redisBroker) Publish(ctx context.Context, channel string, body []byte) error {
	pool, err := r.getPool()
	if err != nil {
		return err
	}
	conn, err := pool.GetContext(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.Do("XADD", channel, "MAXLEN", "~", 100000, "*", "data", body)
	return err
}
