// One client per modelled broker, with the conventions every runtime shares (docs/skeletons.md,
// Events): rabbitmq a durable topic exchange <system>.events, routing key = channel, a durable
// queue <group>.<channel> per subscription and <group>.<channel>.dead-letter bound under
// <channel>.dead-letter; kafka topic = channel, group = group; nats subject = channel, queue
// group = group; redis stream = channel, consumer group = group.
// Each client connects in the background and reconnects with backoff, so the service starts (and
// answers liveness) while its broker is down; readiness names the broker until it is connected.
// A message is acknowledged once the handler says so; brokers without redelivery here (nats
// core, kafka, redis streams) hand the message to the handler again in place.
using System.Text;
using System.Text.Json.Nodes;
using Confluent.Kafka;
using NATS.Client.Core;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using StackExchange.Redis;

namespace Workbench.Skeleton;

/// <summary>Called per delivery; true = acknowledge (handled, duplicate or dead-lettered), false = redeliver.</summary>
public delegate Task<bool> DeliveryHandler(JsonObject subscription, byte[] body);

public abstract class BrokerClient(JsonObject spec, string system, List<JsonObject> subscriptions, DeliveryHandler handler, ILogger log)
{
    public string Id { get; } = Spec.Str(spec, "id");
    protected readonly string System = system;
    protected readonly List<JsonObject> Subscriptions = subscriptions;
    protected readonly DeliveryHandler Handler = handler;
    readonly string env = Spec.Str(spec, "env");
    public volatile bool Connected;
    public string Error { get; protected set; } = "not connected yet";

    public static BrokerClient? Create(JsonObject spec, string system, List<JsonObject> subs, DeliveryHandler handler, ILogger log) =>
        Spec.Str(spec, "kind") switch
        {
            "rabbitmq" => new RabbitClient(spec, system, subs, handler, log),
            "kafka" => new KafkaClient(spec, system, subs, handler, log),
            "nats" => new NatsClient(spec, system, subs, handler, log),
            "redis" => new RedisClient(spec, system, subs, handler, log),
            _ => null,
        };

    public async Task RunAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var url = Env.Get(env);
                if (url.Length == 0) throw new InvalidOperationException($"{env} is not set");
                await ConnectAsync(url, stop);
                Connected = true;
                Error = "";
                delay = TimeSpan.FromMilliseconds(500);
                await WhileConnectedAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Error = $"{ex.GetType().Name}: {ex.Message}";
                log.LogWarning("broker {Broker}: {Error}", Id, Error);
            }
            Connected = false;
            Disconnect();
            try { await Task.Delay(delay, stop); } catch (OperationCanceledException) { return; }
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 10_000));
        }
    }

    /// <summary>Hand a message to the handler until it is acknowledged (brokers without redelivery).</summary>
    protected async Task DeliverInPlaceAsync(JsonObject sub, byte[] body, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && !await Handler(sub, body))
            await Task.Delay(200, stop);
    }

    protected abstract Task ConnectAsync(string url, CancellationToken stop);
    protected abstract Task WhileConnectedAsync(CancellationToken stop);
    public abstract void Disconnect();
    public abstract Task PublishAsync(string channel, byte[] body);
}

sealed class RabbitClient(JsonObject spec, string system, List<JsonObject> subs, DeliveryHandler handler, ILogger log)
    : BrokerClient(spec, system, subs, handler, log)
{
    IConnection? connection;
    IModel? publisher;
    string Exchange => $"{System}.events";

    protected override Task ConnectAsync(string url, CancellationToken stop)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(url), RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
            AutomaticRecoveryEnabled = false, DispatchConsumersAsync = true,
        };
        connection = factory.CreateConnection($"workbench-{Spec.Service}");
        publisher = connection.CreateModel();
        publisher.ExchangeDeclare(Exchange, ExchangeType.Topic, durable: true);
        publisher.ConfirmSelect();
        foreach (var sub in Subscriptions)
        {
            var queue = $"{Spec.Str(sub, "group")}.{Spec.Str(sub, "channel")}";
            var channel = connection.CreateModel();
            channel.BasicQos(0, 20, false);
            channel.QueueDeclare(queue, durable: true, exclusive: false, autoDelete: false);
            channel.QueueBind(queue, Exchange, Spec.Str(sub, "channel"));
            channel.QueueDeclare(queue + ".dead-letter", durable: true, exclusive: false, autoDelete: false);
            channel.QueueBind(queue + ".dead-letter", Exchange, Spec.Str(sub, "dead_letter"));
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.Received += async (_, delivery) =>
            {
                if (await Handler(sub, delivery.Body.ToArray())) channel.BasicAck(delivery.DeliveryTag, false);
                else channel.BasicNack(delivery.DeliveryTag, false, requeue: true);
            };
            channel.BasicConsume(queue, autoAck: false, consumer);
        }
        return Task.CompletedTask;
    }

    protected override async Task WhileConnectedAsync(CancellationToken stop)
    {
        while (connection is { IsOpen: true }) await Task.Delay(500, stop);
        throw new InvalidOperationException("connection closed");
    }

    public override void Disconnect()
    {
        try { if (connection is { IsOpen: true }) connection.Close(TimeSpan.FromSeconds(2)); } catch { /* already broken */ }
        connection = null;
    }

    public override Task PublishAsync(string channel, byte[] body)
    {
        lock (this)
        {
            var props = publisher!.CreateBasicProperties();
            props.ContentType = "application/json";
            props.Persistent = true;
            publisher.BasicPublish(Exchange, channel, props, body);
            publisher.WaitForConfirmsOrDie(TimeSpan.FromSeconds(5));
        }
        return Task.CompletedTask;
    }
}

sealed class KafkaClient(JsonObject spec, string system, List<JsonObject> subs, DeliveryHandler handler, ILogger log)
    : BrokerClient(spec, system, subs, handler, log)
{
    IProducer<Null, byte[]>? producer;
    string servers = "";

    protected override Task ConnectAsync(string url, CancellationToken stop)
    {
        servers = url.Contains("://") ? new Uri(url).Authority : url;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).Build())
            admin.GetMetadata(TimeSpan.FromSeconds(5));
        producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = servers, Acks = Acks.All }).Build();
        return Task.CompletedTask;
    }

    protected override async Task WhileConnectedAsync(CancellationToken stop)
    {
        var consumers = Subscriptions.Select(sub => Task.Run(() => ConsumeAsync(sub, stop), stop)).ToList();
        consumers.Add(Task.Run(async () =>
        {
            while (true)
            {
                await Task.Delay(5000, stop);
                using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).Build();
                admin.GetMetadata(TimeSpan.FromSeconds(5));
            }
        }, stop));
        await await Task.WhenAny(consumers);
    }

    async Task ConsumeAsync(JsonObject sub, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig
        {
            BootstrapServers = servers, GroupId = Spec.Str(sub, "group"),
            EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Subscribe(Spec.Str(sub, "channel"));
        while (!stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(1));
            if (result is null) continue;
            await DeliverInPlaceAsync(sub, result.Message.Value, stop);
            consumer.Commit(result);
        }
    }

    public override void Disconnect()
    {
        producer?.Dispose();
        producer = null;
    }

    public override async Task PublishAsync(string channel, byte[] body) =>
        await producer!.ProduceAsync(channel, new Message<Null, byte[]> { Value = body });
}

sealed class NatsClient(JsonObject spec, string system, List<JsonObject> subs, DeliveryHandler handler, ILogger log)
    : BrokerClient(spec, system, subs, handler, log)
{
    NatsConnection? nats;

    protected override async Task ConnectAsync(string url, CancellationToken stop)
    {
        nats = new NatsConnection(NatsOpts.Default with { Url = url, ConnectTimeout = TimeSpan.FromSeconds(5) });
        await nats.ConnectAsync();
    }

    protected override async Task WhileConnectedAsync(CancellationToken stop)
    {
        var readers = Subscriptions.Select(sub => Task.Run(async () =>
        {
            await foreach (var msg in nats!.SubscribeAsync<byte[]>(Spec.Str(sub, "channel"), queueGroup: Spec.Str(sub, "group"), cancellationToken: stop))
                await DeliverInPlaceAsync(sub, msg.Data ?? [], stop);
        }, stop)).ToList();
        readers.Add(Task.Run(async () =>
        {
            while (nats!.ConnectionState != NatsConnectionState.Closed) await Task.Delay(500, stop);
        }, stop));
        await Task.WhenAny(readers);
        throw new InvalidOperationException("connection closed");
    }

    public override void Disconnect()
    {
        var n = nats;
        nats = null;
        if (n is not null) _ = n.DisposeAsync().AsTask();
    }

    public override async Task PublishAsync(string channel, byte[] body)
    {
        await nats!.PublishAsync(channel, body);
        await nats.PingAsync();
    }
}

sealed class RedisClient(JsonObject spec, string system, List<JsonObject> subs, DeliveryHandler handler, ILogger log)
    : BrokerClient(spec, system, subs, handler, log)
{
    ConnectionMultiplexer? redis;

    protected override async Task ConnectAsync(string url, CancellationToken stop)
    {
        var u = new Uri(url);
        var options = ConfigurationOptions.Parse($"{u.Host}:{(u.Port > 0 ? u.Port : 6379)}");
        var info = u.UserInfo.Split(':', 2);
        if (info.Length == 2) options.Password = Uri.UnescapeDataString(info[1]);
        options.AbortOnConnectFail = true;
        redis = await ConnectionMultiplexer.ConnectAsync(options);
        var db = redis.GetDatabase();
        foreach (var sub in Subscriptions)
        {
            try
            {
                await db.StreamCreateConsumerGroupAsync(Spec.Str(sub, "channel"), Spec.Str(sub, "group"), StreamPosition.NewMessages, createStream: true);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP"))
            {
                // the group exists already
            }
        }
    }

    protected override async Task WhileConnectedAsync(CancellationToken stop)
    {
        var consumer = $"{Environment.MachineName}-{Environment.ProcessId}";
        var db = redis!.GetDatabase();
        while (true)
        {
            var idle = true;
            foreach (var sub in Subscriptions)
            {
                var channel = Spec.Str(sub, "channel");
                var group = Spec.Str(sub, "group");
                foreach (var entry in await db.StreamReadGroupAsync(channel, group, consumer, ">", count: 20))
                {
                    idle = false;
                    var data = entry.Values.FirstOrDefault(v => v.Name == "data").Value;
                    await DeliverInPlaceAsync(sub, data.IsNull ? Encoding.UTF8.GetBytes("{}") : (byte[])data!, stop);
                    await db.StreamAcknowledgeAsync(channel, group, entry.Id);
                }
            }
            if (Subscriptions.Count == 0) await db.PingAsync();
            if (idle) await Task.Delay(Subscriptions.Count == 0 ? 5000 : 200, stop); // SE.Redis does not block on XREADGROUP
        }
    }

    public override void Disconnect()
    {
        redis?.Dispose();
        redis = null;
    }

    public override async Task PublishAsync(string channel, byte[] body) =>
        await redis!.GetDatabase().StreamAddAsync(channel, "data", body, maxLength: 100_000, useApproximateMaxLength: true);
}
