// Publishing and consuming the modelled events (docs/skeletons.md, Events):
// - envelope: CloudEvents 1.0 structured JSON with the producer span's traceparent;
// - outbox (publishes[].outbox with an outbox_store): the envelope is inserted into
//   workbench_outbox; a relay (every 500 ms, woken at once by an insert) publishes unsent rows in
//   order and sets sent_at, so an event written while the broker is down is delivered when it
//   returns;
// - idempotent consumers: workbench_processed(consumer_group, event_id) in the first SQL
//   datastore (else an in-memory set, said in the log); a seen id is acknowledged unrun;
// - dead letters: after DEAD_LETTER_AFTER failed deliveries the message goes, unchanged, to
//   subscribes[].dead_letter and is acknowledged.
// The tables come from the service's migrations (run by the bundle's init step), never from here.
using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workbench.Skeleton;

public sealed class BrokerDownException(string message) : Exception(message);

public sealed class Events : BackgroundService
{
    const int ReceivedKept = 1000;
    readonly Dictionary<string, BrokerClient> clients = new();
    readonly List<string> unsupported = new();
    readonly Dictionary<string, JsonObject> publishes = new();
    readonly LinkedList<JsonObject> received = new();
    readonly ConcurrentDictionary<string, int> failures = new();
    readonly ConcurrentDictionary<string, int> injected = new();
    readonly ConcurrentDictionary<string, bool> seenInMemory = new();
    readonly HashSet<string> outboxStores = new();
    readonly SemaphoreSlim wake = new(0);
    readonly Datastores datastores;
    readonly ILogger<Events> log;
    readonly int deadLetterAfter;
    readonly string? processedStore;

    public Events(Datastores datastores, ILogger<Events> log)
    {
        this.datastores = datastores;
        this.log = log;
        deadLetterAfter = int.Parse(Env.Get("DEAD_LETTER_AFTER", ((int?)Spec.Root["events"]?["dead_letter_after"] ?? 5).ToString()));
        // the store of the service's migrations (spec.events_store), else its first SQL datastore
        processedStore = Spec.Str(Spec.Root, "events_store") is { Length: > 0 } es ? es : datastores.FirstSql;
        var system = Spec.Str(Spec.Root, "system");
        foreach (var broker in Spec.List("brokers"))
        {
            var subs = Spec.List("subscribes").Where(s => Spec.Str(s, "broker") == Spec.Str(broker, "id")).ToList();
            var client = BrokerClient.Create(broker, system, subs, ConsumeAsync, log);
            if (client is null) unsupported.Add(Spec.Str(broker, "id"));
            else clients[client.Id] = client;
        }
        foreach (var pub in Spec.List("publishes"))
        {
            publishes[Spec.Str(pub, "event")] = pub;
            var store = Spec.Str(pub, "outbox_store");
            if ((bool?)pub["outbox"] == true && store.Length == 0)
                log.LogWarning("event {Event}: outbox modelled but the service has no SQL datastore to keep it in; publishing directly", Spec.Str(pub, "event"));
            if (store.Length > 0 && outboxStores.Add(store)) Observability.OutboxPending.WithLabels(store).Set(0);
        }
        if (Spec.List("subscribes").Any(s => (bool?)s["idempotent"] == true) && processedStore is null)
            log.LogWarning("idempotent consumers keep seen event ids in memory: the service has no SQL datastore");
    }

    public bool Publishes(string ev) => publishes.ContainsKey(ev);

    /// <summary>One plain sentence per broker that is not connected or not supported.</summary>
    public List<string> Problems() =>
        clients.Values.Where(c => !c.Connected).Select(c => $"broker {c.Id}: {c.Error}")
            .Concat(unsupported.Select(b => $"broker {b}: kind not supported by the skeleton")).ToList();

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var tasks = clients.Values.Select(c => Task.Run(() => c.RunAsync(stop), stop)).ToList();
        if (outboxStores.Count > 0) tasks.Add(Task.Run(() => RelayAsync(stop), stop));
        try { await Task.WhenAll(tasks); } catch (OperationCanceledException) { }
        foreach (var c in clients.Values) c.Disconnect();
    }

    /// <summary>Publish a modelled event: through the outbox when modelled, else straight to the broker.</summary>
    public async Task PublishAsync(string ev, JsonNode? data)
    {
        var pub = publishes[ev];
        var channel = Spec.Str(pub, "channel");
        using var span = Observability.Source.StartActivity($"{channel} publish", ActivityKind.Producer);
        span?.SetTag("messaging.destination.name", channel);
        var envelope = new JsonObject
        {
            ["specversion"] = "1.0",
            ["id"] = Guid.NewGuid().ToString(),
            ["source"] = Spec.Str(Spec.Root["events"], "source"),
            ["type"] = ev,
            ["time"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["datacontenttype"] = "application/json",
        };
        if (span is not null && Spec.Flag("observability", "tracing"))
        {
            envelope["traceparent"] = span.Id;
            if (!string.IsNullOrEmpty(span.TraceStateString)) envelope["tracestate"] = span.TraceStateString;
        }
        envelope["data"] = data?.DeepClone() ?? new JsonObject();
        var body = envelope.ToJsonString();
        var store = Spec.Str(pub, "outbox_store");
        try
        {
            if ((bool?)pub["outbox"] == true && store.Length > 0)
            {
                await using var conn = await datastores.SqlSource(store).OpenConnectionAsync();
                await using var cmd = conn.CreateCommand();
                // id (auto-increment: the relay's order) and created_at come from the table's defaults
                cmd.CommandText = "INSERT INTO workbench_outbox (event, channel, envelope) VALUES (@event, @channel, @envelope)";
                Parameter(cmd, "event", ev);
                Parameter(cmd, "channel", channel);
                Parameter(cmd, "envelope", body);
                await cmd.ExecuteNonQueryAsync();
                wake.Release();
                return;
            }
            if (!clients.TryGetValue(Spec.Str(pub, "broker"), out var client) || !client.Connected)
                throw new BrokerDownException($"broker {Spec.Str(pub, "broker")} is not connected");
            await client.PublishAsync(channel, Encoding.UTF8.GetBytes(body));
            Observability.Published.WithLabels(ev, "ok").Inc();
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Message);
            Observability.Published.WithLabels(ev, "error").Inc();
            throw ex as BrokerDownException ?? new BrokerDownException($"publish {ev}: {ex.Message}");
        }
    }

    static void Parameter(DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value;
        cmd.Parameters.Add(p);
    }

    /// <summary>The outbox relay: unsent rows in order, published, then marked sent; stops at the first failure.</summary>
    async Task RelayAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            await wake.WaitAsync(TimeSpan.FromMilliseconds(500), stop);
            foreach (var store in outboxStores)
            {
                try { await RelayStoreAsync(store); }
                catch (Exception ex) { log.LogWarning("outbox {Store}: {Error}", store, ex.Message); }
            }
        }
    }

    async Task RelayStoreAsync(string store)
    {
        await using var conn = await datastores.SqlSource(store).OpenConnectionAsync();
        await using (var count = conn.CreateCommand())
        {
            count.CommandText = "SELECT COUNT(*) FROM workbench_outbox WHERE sent_at IS NULL";
            Observability.OutboxPending.WithLabels(store).Set(Convert.ToDouble(await count.ExecuteScalarAsync()));
        }
        var rows = new List<(long Id, string Event, string Channel, string Envelope)>();
        await using (var select = conn.CreateCommand())
        {
            select.CommandText = "SELECT id, event, channel, envelope FROM workbench_outbox WHERE sent_at IS NULL ORDER BY id LIMIT 100";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                rows.Add((Convert.ToInt64(reader.GetValue(0)), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }
        foreach (var row in rows)
        {
            if (!publishes.TryGetValue(row.Event, out var pub) || !clients.TryGetValue(Spec.Str(pub, "broker"), out var client) || !client.Connected)
                return; // delivered when the broker is back
            try
            {
                await client.PublishAsync(row.Channel, Encoding.UTF8.GetBytes(row.Envelope));
            }
            catch (Exception ex)
            {
                Observability.Published.WithLabels(row.Event, "error").Inc();
                log.LogWarning("outbox {Store}: publish {Id} failed: {Error}", store, row.Id, ex.Message);
                return;
            }
            await using var update = conn.CreateCommand();
            update.CommandText = "UPDATE workbench_outbox SET sent_at = CURRENT_TIMESTAMP WHERE id = @id";
            Parameter(update, "id", row.Id);
            await update.ExecuteNonQueryAsync();
            Observability.OutboxPending.WithLabels(store).Dec();
            Observability.Published.WithLabels(row.Event, "ok").Inc();
        }
    }

    /// <summary>One delivery: true = acknowledge, false = redeliver.</summary>
    async Task<bool> ConsumeAsync(JsonObject sub, byte[] body)
    {
        var ev = Spec.Str(sub, "event");
        JsonNode? parsed;
        try { parsed = JsonNode.Parse(body); } catch (JsonException) { parsed = null; }
        var message = parsed is JsonObject o && o.ContainsKey("specversion")
            ? o
            : new JsonObject { ["data"] = parsed ?? JsonValue.Create(Encoding.UTF8.GetString(body)) };
        var eventId = Spec.Str(message, "id");
        var group = Spec.Str(sub, "group");
        ActivityContext.TryParse(Spec.Str(message, "traceparent"), Spec.Str(message, "tracestate"), out var parent);
        using var span = Observability.Source.StartActivity($"{Spec.Str(sub, "channel")} process", ActivityKind.Consumer, parent);
        using var scope = log.BeginScope(new Dictionary<string, object?> { ["event_id"] = eventId, ["event_type"] = ev });
        var idempotent = (bool?)sub["idempotent"] == true && eventId.Length > 0;
        if (idempotent && await SeenAsync(group, eventId))
        {
            Observability.Consumed.WithLabels(ev, "duplicate").Inc();
            log.LogInformation("duplicate {Event} {EventId} acknowledged without handling", ev, eventId);
            return true;
        }
        var key = $"{group}/{(eventId.Length > 0 ? eventId : Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(body)))}";
        try
        {
            if (injected.TryGetValue(ev, out var left) && left > 0)
            {
                injected[ev] = left - 1;
                throw new InvalidOperationException($"failure injected for {ev}");
            }
            Handle(sub, message);
            if (idempotent) await RememberAsync(group, eventId);
            failures.TryRemove(key, out _);
            Observability.Consumed.WithLabels(ev, "ok").Inc();
            return true;
        }
        catch (Exception ex)
        {
            var n = failures.AddOrUpdate(key, 1, (_, v) => v + 1);
            if (n < deadLetterAfter)
            {
                Observability.Consumed.WithLabels(ev, "error").Inc();
                log.LogWarning("{Event} {EventId} failed (delivery {N} of {Max}): {Error}", ev, eventId, n, deadLetterAfter, ex.Message);
                return false;
            }
            try
            {
                await clients[Spec.Str(sub, "broker")].PublishAsync(Spec.Str(sub, "dead_letter"), body);
            }
            catch (Exception publishError)
            {
                log.LogWarning("dead letter for {EventId} not published: {Error}", eventId, publishError.Message);
                return false;
            }
            failures.TryRemove(key, out _);
            Observability.Consumed.WithLabels(ev, "dead_lettered").Inc();
            log.LogError("{Event} {EventId} dead-lettered to {DeadLetter} after {Max} failed deliveries: {Error}",
                ev, eventId, Spec.Str(sub, "dead_letter"), deadLetterAfter, ex.Message);
            return true;
        }
    }

    /// <summary>The stub handler: log and remember. Replace it with the real handling (idempotently).</summary>
    void Handle(JsonObject sub, JsonObject message)
    {
        log.LogInformation("received {Event} on {Channel}", Spec.Str(sub, "event"), Spec.Str(sub, "channel"));
        lock (received)
        {
            received.AddLast(new JsonObject
            {
                ["event"] = Spec.Str(sub, "event"), ["channel"] = Spec.Str(sub, "channel"), ["message"] = message.DeepClone(),
            });
            while (received.Count > ReceivedKept) received.RemoveFirst();
        }
    }

    async Task<bool> SeenAsync(string group, string eventId)
    {
        if (processedStore is null) return seenInMemory.ContainsKey($"{group}/{eventId}");
        await using var conn = await datastores.SqlSource(processedStore).OpenConnectionAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT 1 FROM workbench_processed WHERE consumer_group = @group AND event_id = @id";
        Parameter(cmd, "group", group);
        Parameter(cmd, "id", eventId);
        return await cmd.ExecuteScalarAsync() is not null;
    }

    async Task RememberAsync(string group, string eventId)
    {
        if (processedStore is null)
        {
            seenInMemory[$"{group}/{eventId}"] = true;
            return;
        }
        await using var conn = await datastores.SqlSource(processedStore).OpenConnectionAsync();
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = "INSERT INTO workbench_processed (consumer_group, event_id) VALUES (@group, @id)";
        Parameter(cmd, "group", group);
        Parameter(cmd, "id", eventId);
        await cmd.ExecuteNonQueryAsync();
    }

    public JsonArray Received()
    {
        lock (received) return new JsonArray(received.Select(r => (JsonNode)r.DeepClone()).ToArray());
    }

    /// <summary>The next <paramref name="times"/> deliveries of the event fail in the handler (dead-letter tests).</summary>
    public void FailNext(string ev, int times) => injected[ev] = times;
}
