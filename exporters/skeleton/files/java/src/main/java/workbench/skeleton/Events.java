package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Publishing and consuming the modelled events (docs/skeletons.md, Events).
 *
 * <ul>
 *   <li>envelope: CloudEvents 1.0 structured JSON, with the producer span's {@code traceparent};
 *   <li>outbox ({@code publishes[].outbox} with an {@code outbox_store}): the envelope is inserted
 *       into {@code workbench_outbox}; a relay (every 500 ms, woken at once by an insert)
 *       publishes unsent rows in order and sets {@code sent_at}, so an event written while the
 *       broker is down is delivered when it returns;
 *   <li>idempotent consumers: {@code workbench_processed(consumer_group, event_id)} in the first
 *       SQL datastore (else an in-memory set, said in the log); a seen id is acknowledged unrun;
 *   <li>dead letters: after {@code DEAD_LETTER_AFTER} failed deliveries the message goes,
 *       unchanged, to {@code subscribes[].dead_letter} and is acknowledged.
 * </ul>
 * The tables come from the service's migrations (run by the bundle's init step), never from here.
 */
@Component
public class Events {
    private static final Logger log = LoggerFactory.getLogger(Events.class);
    private static final int RECEIVED_KEPT = 1000;

    private final Map<String, Brokers.Client> clients = new LinkedHashMap<>();
    private final List<String> unsupported = new ArrayList<>();
    private final Map<String, JsonNode> publishes = new LinkedHashMap<>();
    private final Deque<Map<String, Object>> received = new ArrayDeque<>();
    private final Map<String, AtomicInteger> failuresByEventId = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> injectedFailures = new ConcurrentHashMap<>();
    private final Set<String> seenInMemory = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicLong> pending = new ConcurrentHashMap<>();
    private final Semaphore wake = new Semaphore(0);
    private final Datastores datastores;
    private final MeterRegistry registry;
    private final ObjectProvider<Tracer> tracer;
    private final ObjectProvider<Propagator> propagator;
    private final int deadLetterAfter;
    private final String processedStore;
    private volatile boolean running = true;

    Events(Datastores datastores, MeterRegistry registry, ObjectProvider<Tracer> tracer,
            ObjectProvider<Propagator> propagator) {
        this.datastores = datastores;
        this.registry = registry;
        this.tracer = tracer;
        this.propagator = propagator;
        this.deadLetterAfter = Integer.parseInt(
                Env.get("DEAD_LETTER_AFTER", Spec.root().path("events").path("dead_letter_after").asText("5")));
        // the store of the service's migrations (spec.events_store), else its first SQL datastore
        String eventsStore = Spec.root().path("events_store").asText("");
        this.processedStore = eventsStore.isEmpty() ? datastores.firstSql() : eventsStore;
        String system = Spec.root().path("system").asText();
        for (JsonNode broker : Spec.list("brokers")) {
            List<JsonNode> subs = Spec.list("subscribes").stream()
                    .filter(s -> s.path("broker").asText().equals(broker.path("id").asText())).toList();
            Brokers.Client client = Brokers.create(broker, system, subs, this::consume);
            if (client == null) unsupported.add(broker.path("id").asText());
            else clients.put(broker.path("id").asText(), client);
        }
        for (JsonNode pub : Spec.list("publishes")) {
            publishes.put(pub.path("event").asText(), pub);
            String store = pub.path("outbox_store").asText("");
            if (pub.path("outbox").asBoolean(false) && store.isEmpty()) {
                log.warn("event {}: outbox modelled but the service has no SQL datastore to keep it in; publishing directly",
                        pub.path("event").asText());
            }
            if (!store.isEmpty() && pending.putIfAbsent(store, new AtomicLong()) == null) {
                Gauge.builder("outbox.pending", pending.get(store), AtomicLong::get)
                        .description("outbox rows not yet published").tag("store", store).register(registry);
            }
        }
        boolean idempotent = Spec.list("subscribes").stream().anyMatch(s -> s.path("idempotent").asBoolean(false));
        if (idempotent && processedStore == null) {
            log.warn("idempotent consumers keep seen event ids in memory: the service has no SQL datastore");
        }
    }

    @PostConstruct
    void start() {
        clients.values().forEach(Brokers.Client::start);
        if (!pending.isEmpty()) Thread.ofVirtual().name("outbox-relay").start(this::relay);
    }

    @PreDestroy
    void stop() {
        running = false;
        wake.release();
        clients.values().forEach(Brokers.Client::stop);
    }

    public boolean publishes(String event) {
        return publishes.containsKey(event);
    }

    /** One plain sentence per broker that is not connected or not supported. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        clients.values().stream().filter(c -> !c.connected()).forEach(c -> out.add(c.problem()));
        unsupported.forEach(b -> out.add("broker " + b + ": kind not supported by the skeleton"));
        return out;
    }

    /** Thrown when the broker is down and the event has no outbox (the debug endpoint answers 503). */
    public static class BrokerDown extends RuntimeException {
        BrokerDown(String message) {
            super(message);
        }
    }

    /** Publish a modelled event: through the outbox when modelled, else straight to the broker. */
    public void publish(String event, JsonNode data) {
        JsonNode pub = publishes.get(event);
        String channel = pub.path("channel").asText();
        Tracer t = tracer.getIfAvailable();
        Span span = t == null ? null : t.spanBuilder().name(channel + " publish").kind(Span.Kind.PRODUCER)
                .tag("messaging.destination.name", channel).start();
        try {
            String traceparent = null;
            String tracestate = null;
            if (span != null && Spec.observability().path("tracing").asBoolean(false)) {
                Map<String, String> carrier = new HashMap<>();
                Propagator p = propagator.getIfAvailable();
                if (p != null) p.inject(span.context(), carrier, Map::put);
                traceparent = carrier.get("traceparent");
                tracestate = carrier.get("tracestate");
            }
            ObjectNode envelope = Envelope.build(Spec.root().path("events").path("source").asText(), event,
                    traceparent, tracestate, data);
            String body = Spec.JSON.writeValueAsString(envelope);
            String store = pub.path("outbox_store").asText("");
            if (pub.path("outbox").asBoolean(false) && !store.isEmpty()) {
                insertOutbox(store, event, channel, body);
                wake.release();
                return;
            }
            Brokers.Client client = clients.get(pub.path("broker").asText());
            if (client == null || !client.connected()) {
                count("events.published", event, "error");
                throw new BrokerDown("broker " + pub.path("broker").asText() + " is not connected");
            }
            client.publish(channel, body.getBytes(StandardCharsets.UTF_8));
            count("events.published", event, "ok");
        } catch (BrokerDown ex) {
            throw ex;
        } catch (Exception ex) {
            if (span != null) span.error(ex);
            count("events.published", event, "error");
            throw new BrokerDown("publish " + event + ": " + ex.getMessage());
        } finally {
            if (span != null) span.end();
        }
    }

    /** id (auto-increment: the relay's order) and created_at come from the table's defaults. */
    private void insertOutbox(String store, String event, String channel, String body) throws SQLException {
        DataSource ds = datastores.sql(store);
        try (Connection c = ds.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO workbench_outbox (event, channel, envelope) VALUES (?, ?, ?)")) {
            s.setString(1, event);
            s.setString(2, channel);
            s.setString(3, body);
            s.executeUpdate();
        }
    }

    /** The outbox relay: unsent rows in order, published, then marked sent; stops at the first failure. */
    private void relay() {
        while (running) {
            try {
                wake.tryAcquire(500, TimeUnit.MILLISECONDS);
                wake.drainPermits();
            } catch (InterruptedException ex) {
                return;
            }
            for (String store : pending.keySet()) {
                try {
                    relayStore(store);
                } catch (Exception ex) {
                    log.warn("outbox {}: {}", store, ex.getMessage());
                }
            }
        }
    }

    private void relayStore(String store) throws SQLException {
        DataSource ds = datastores.sql(store);
        try (Connection c = ds.getConnection()) {
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM workbench_outbox WHERE sent_at IS NULL");
                    ResultSet rs = s.executeQuery()) {
                rs.next();
                pending.get(store).set(rs.getLong(1));
            }
            List<Object[]> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT id, event, channel, envelope FROM workbench_outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100");
                    ResultSet rs = s.executeQuery()) {
                while (rs.next()) rows.add(new Object[] {rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)});
            }
            for (Object[] row : rows) {
                String event = (String) row[1];
                JsonNode pub = publishes.get(event);
                Brokers.Client client = pub == null ? null : clients.get(pub.path("broker").asText());
                if (client == null || !client.connected()) return; // delivered when the broker is back
                try {
                    client.publish((String) row[2], ((String) row[3]).getBytes(StandardCharsets.UTF_8));
                } catch (Exception ex) {
                    count("events.published", event, "error");
                    log.warn("outbox {}: publish {} failed: {}", store, row[0], ex.getMessage());
                    return;
                }
                try (PreparedStatement s = c.prepareStatement("UPDATE workbench_outbox SET sent_at = CURRENT_TIMESTAMP WHERE id = ?")) {
                    s.setLong(1, (Long) row[0]);
                    s.executeUpdate();
                }
                pending.get(store).decrementAndGet();
                count("events.published", event, "ok");
            }
        }
    }

    /** One delivery: true = acknowledge, false = redeliver. */
    boolean consume(JsonNode sub, byte[] body) {
        String event = sub.path("event").asText();
        JsonNode message = Envelope.read(body);
        String eventId = message.path("id").asText("");
        String group = sub.path("group").asText();
        Tracer t = tracer.getIfAvailable();
        Span span = null;
        if (t != null) {
            Propagator p = propagator.getIfAvailable();
            Map<String, String> carrier = new HashMap<>();
            if (message.path("traceparent").isTextual()) carrier.put("traceparent", message.path("traceparent").asText());
            if (message.path("tracestate").isTextual()) carrier.put("tracestate", message.path("tracestate").asText());
            Span.Builder builder = p != null && !carrier.isEmpty() ? p.extract(carrier, (c, k) -> c.get(k)) : t.spanBuilder();
            span = builder.name(sub.path("channel").asText() + " process").kind(Span.Kind.CONSUMER).start();
        }
        try (Tracer.SpanInScope scope = span == null ? null : t.withSpan(span)) {
            MDC.put("event_id", eventId);
            MDC.put("event_type", event);
            if (sub.path("idempotent").asBoolean(false) && !eventId.isEmpty() && seen(group, eventId)) {
                count("events.consumed", event, "duplicate");
                log.info("duplicate {} {} acknowledged without handling", event, eventId);
                return true;
            }
            try {
                AtomicInteger fail = injectedFailures.get(event);
                if (fail != null && fail.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IllegalStateException("failure injected for " + event);
                }
                handle(sub, message);
                if (sub.path("idempotent").asBoolean(false) && !eventId.isEmpty()) remember(group, eventId);
                failuresByEventId.remove(group + "/" + eventId);
                count("events.consumed", event, "ok");
                return true;
            } catch (Exception ex) {
                String key = group + "/" + (eventId.isEmpty() ? UUID.nameUUIDFromBytes(body).toString() : eventId);
                int failures = failuresByEventId.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                if (failures < deadLetterAfter) {
                    count("events.consumed", event, "error");
                    log.warn("{} {} failed (delivery {} of {}): {}", event, eventId, failures, deadLetterAfter, ex.getMessage());
                    return false;
                }
                return deadLetter(sub, body, eventId, key, ex);
            }
        } finally {
            MDC.remove("event_id");
            MDC.remove("event_type");
            if (span != null) span.end();
        }
    }

    private boolean deadLetter(JsonNode sub, byte[] body, String eventId, String key, Exception cause) {
        Brokers.Client client = clients.get(sub.path("broker").asText());
        try {
            client.publish(sub.path("dead_letter").asText(), body);
        } catch (Exception ex) {
            log.warn("dead letter for {} not published: {}", eventId, ex.getMessage());
            return false;
        }
        failuresByEventId.remove(key);
        count("events.consumed", sub.path("event").asText(), "dead_lettered");
        log.error("{} {} dead-lettered to {} after {} failed deliveries: {}", sub.path("event").asText(), eventId,
                sub.path("dead_letter").asText(), deadLetterAfter, cause.getMessage());
        return true;
    }

    /** The stub handler: log and remember. Replace it with the real handling (idempotently). */
    private void handle(JsonNode sub, JsonNode message) {
        log.info("received {} on {}", sub.path("event").asText(), sub.path("channel").asText());
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("event", sub.path("event").asText());
        entry.put("channel", sub.path("channel").asText());
        entry.put("message", message);
        synchronized (received) {
            received.addLast(entry);
            while (received.size() > RECEIVED_KEPT) received.removeFirst();
        }
    }

    private boolean seen(String group, String eventId) {
        if (processedStore == null) return seenInMemory.contains(group + "/" + eventId);
        try (Connection c = datastores.sql(processedStore).getConnection(); PreparedStatement s = c.prepareStatement(
                "SELECT 1 FROM workbench_processed WHERE consumer_group = ? AND event_id = ?")) {
            s.setString(1, group);
            s.setString(2, eventId);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException ex) {
            throw new IllegalStateException("processed-message table: " + ex.getMessage(), ex);
        }
    }

    private void remember(String group, String eventId) throws SQLException {
        if (processedStore == null) {
            seenInMemory.add(group + "/" + eventId);
            return;
        }
        try (Connection c = datastores.sql(processedStore).getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO workbench_processed (consumer_group, event_id) VALUES (?, ?)")) {
            s.setString(1, group);
            s.setString(2, eventId);
            s.executeUpdate();
        }
    }

    private void count(String name, String event, String outcome) {
        Counter.builder(name).tags("event", event, "outcome", outcome).register(registry).increment();
    }

    public List<Map<String, Object>> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    /** The next {@code times} deliveries of {@code event} fail in the handler (dead-letter tests). */
    public void failNext(String event, int times) {
        injectedFailures.computeIfAbsent(event, e -> new AtomicInteger()).set(times);
    }
}
