package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConnectionFactory;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.nats.client.Connection;
import io.nats.client.Dispatcher;
import io.nats.client.Nats;
import io.nats.client.Options;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client per modelled broker, with the conventions every runtime shares (docs/skeletons.md,
 * Events): rabbitmq a durable topic exchange {@code <system>.events}, routing key = channel, a
 * durable queue {@code <group>.<channel>} per subscription and {@code <group>.<channel>.dead-letter}
 * bound under {@code <channel>.dead-letter}; kafka topic = channel, group = group; nats subject =
 * channel, queue group = group; redis stream = channel, consumer group = group.
 *
 * <p>Each client connects in the background and reconnects with backoff, so the service starts
 * (and answers liveness) while its broker is down; readiness names the broker until it is
 * connected. A message is acknowledged after the handler said so; brokers without redelivery
 * (nats core, kafka, redis streams here) hand the message to the handler again in place.
 */
public final class Brokers {
    private static final Logger log = LoggerFactory.getLogger(Brokers.class);

    /** Called per delivery; true = acknowledge (handled, duplicate or dead-lettered), false = redeliver. */
    public interface Handler {
        boolean handle(JsonNode subscription, byte[] body);
    }

    private Brokers() {}

    public abstract static class Client {
        final String id;
        final String env;
        final String system;
        final List<JsonNode> subscriptions;
        final Handler handler;
        volatile boolean connected;
        volatile String error = "not connected yet";
        private volatile boolean stopped;

        Client(JsonNode spec, String system, List<JsonNode> subscriptions, Handler handler) {
            this.id = spec.path("id").asText();
            this.env = spec.path("env").asText();
            this.system = system;
            this.subscriptions = subscriptions;
            this.handler = handler;
        }

        public boolean connected() {
            return connected;
        }

        public String problem() {
            return "broker " + id + ": " + error;
        }

        void start() {
            Thread.ofVirtual().name("broker-" + id).start(() -> {
                long delay = 500;
                while (!stopped) {
                    try {
                        String url = Env.get(env);
                        if (url.isEmpty()) throw new IllegalStateException(env + " is not set");
                        connect(url);
                        connected = true;
                        error = "";
                        delay = 500;
                        run();
                    } catch (InterruptedException ex) {
                        return;
                    } catch (Exception ex) {
                        error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
                        log.warn("broker {}: {}", id, error);
                    }
                    connected = false;
                    disconnect();
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException ex) {
                        return;
                    }
                    delay = Math.min(delay * 2, 10_000);
                }
            });
        }

        void stop() {
            stopped = true;
            disconnect();
        }

        /** Hand a message to the handler until it is acknowledged (brokers without redelivery). */
        void deliverInPlace(JsonNode sub, byte[] body) {
            while (!stopped && !handler.handle(sub, body)) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        abstract void connect(String url) throws Exception;

        /** Blocks while connected (consuming); returns or throws when the connection is lost. */
        abstract void run() throws Exception;

        abstract void disconnect();

        public abstract void publish(String channel, byte[] body) throws Exception;
    }

    public static Client create(JsonNode spec, String system, List<JsonNode> subs, Handler handler) {
        return switch (spec.path("kind").asText()) {
            case "rabbitmq" -> new Rabbit(spec, system, subs, handler);
            case "kafka" -> new Kafka(spec, system, subs, handler);
            case "nats" -> new NatsClient(spec, system, subs, handler);
            case "redis" -> new Redis(spec, system, subs, handler);
            default -> null;
        };
    }

    static final class Rabbit extends Client {
        private com.rabbitmq.client.Connection connection;
        private Channel publisher;

        Rabbit(JsonNode spec, String system, List<JsonNode> subs, Handler handler) {
            super(spec, system, subs, handler);
        }

        String exchange() {
            return system + ".events";
        }

        @Override
        void connect(String url) throws Exception {
            ConnectionFactory factory = new ConnectionFactory();
            factory.setUri(url);
            factory.setConnectionTimeout(5000);
            factory.setAutomaticRecoveryEnabled(false); // the loop in start() reconnects
            connection = factory.newConnection("workbench-" + Spec.service());
            publisher = connection.createChannel();
            publisher.exchangeDeclare(exchange(), BuiltinExchangeType.TOPIC, true);
            publisher.confirmSelect();
            for (JsonNode sub : subscriptions) {
                String queue = sub.path("group").asText() + "." + sub.path("channel").asText();
                Channel channel = connection.createChannel();
                channel.basicQos(20);
                channel.queueDeclare(queue, true, false, false, null);
                channel.queueBind(queue, exchange(), sub.path("channel").asText());
                channel.queueDeclare(queue + ".dead-letter", true, false, false, null);
                channel.queueBind(queue + ".dead-letter", exchange(), sub.path("dead_letter").asText());
                channel.basicConsume(queue, false, (tag, delivery) -> {
                    long deliveryTag = delivery.getEnvelope().getDeliveryTag();
                    if (handler.handle(sub, delivery.getBody())) {
                        channel.basicAck(deliveryTag, false);
                    } else {
                        channel.basicNack(deliveryTag, false, true);
                    }
                }, tag -> {});
            }
        }

        @Override
        void run() throws Exception {
            while (connection.isOpen()) Thread.sleep(500);
            throw new IllegalStateException("connection closed");
        }

        @Override
        void disconnect() {
            try {
                if (connection != null && connection.isOpen()) connection.close(2000);
            } catch (Exception ignored) {
                // closing a broken connection
            }
        }

        @Override
        public synchronized void publish(String channel, byte[] body) throws Exception {
            AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                    .contentType("application/json").deliveryMode(2).build();
            publisher.basicPublish(exchange(), channel, props, body);
            publisher.waitForConfirmsOrDie(5000);
        }
    }

    static final class Kafka extends Client {
        private KafkaProducer<byte[], byte[]> producer;
        private final List<Thread> consumers = new ArrayList<>();
        private volatile boolean consuming;
        private String servers;

        Kafka(JsonNode spec, String system, List<JsonNode> subs, Handler handler) {
            super(spec, system, subs, handler);
        }

        @Override
        void connect(String url) throws Exception {
            servers = url.contains("://") ? url.substring(url.indexOf("://") + 3).replaceAll("/.*$", "") : url;
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
            Properties p = new Properties();
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            p.put(ProducerConfig.ACKS_CONFIG, "all");
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000);
            producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
            consuming = true;
            for (JsonNode sub : subscriptions) {
                consumers.add(Thread.ofVirtual().start(() -> consume(sub)));
            }
        }

        private void consume(JsonNode sub) {
            Properties p = new Properties();
            p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
            p.put(ConsumerConfig.GROUP_ID_CONFIG, sub.path("group").asText());
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(sub.path("channel").asText()));
                while (consuming && !Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                        deliverInPlace(sub, record.value());
                    }
                    consumer.commitSync();
                }
            } catch (Exception ex) {
                error = "consumer " + sub.path("group").asText() + ": " + ex.getMessage();
                consuming = false;
            }
        }

        @Override
        void run() throws Exception {
            while (consuming) {
                Thread.sleep(5000);
                try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
                    admin.describeCluster().nodes().get(5, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            throw new IllegalStateException(error);
        }

        @Override
        void disconnect() {
            consuming = false;
            consumers.forEach(Thread::interrupt);
            consumers.clear();
            if (producer != null) producer.close(Duration.ofSeconds(2));
            producer = null;
        }

        @Override
        public void publish(String channel, byte[] body) throws Exception {
            producer.send(new ProducerRecord<>(channel, body)).get(5, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    static final class NatsClient extends Client {
        private Connection nc;

        NatsClient(JsonNode spec, String system, List<JsonNode> subs, Handler handler) {
            super(spec, system, subs, handler);
        }

        @Override
        void connect(String url) throws Exception {
            nc = Nats.connect(new Options.Builder().server(url).connectionTimeout(Duration.ofSeconds(5))
                    .maxReconnects(3).build());
            for (JsonNode sub : subscriptions) {
                Dispatcher dispatcher = nc.createDispatcher(msg -> deliverInPlace(sub, msg.getData()));
                dispatcher.subscribe(sub.path("channel").asText(), sub.path("group").asText());
            }
        }

        @Override
        void run() throws Exception {
            while (nc.getStatus() != Connection.Status.CLOSED) Thread.sleep(500);
            throw new IllegalStateException("connection closed");
        }

        @Override
        void disconnect() {
            try {
                if (nc != null) nc.close();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void publish(String channel, byte[] body) throws Exception {
            nc.publish(channel, body);
            nc.flush(Duration.ofSeconds(5));
        }
    }

    static final class Redis extends Client {
        private RedisClient client;
        private StatefulRedisConnection<String, String> connection;

        Redis(JsonNode spec, String system, List<JsonNode> subs, Handler handler) {
            super(spec, system, subs, handler);
        }

        @Override
        void connect(String url) {
            client = RedisClient.create(url);
            connection = client.connect();
            connection.sync().ping();
            for (JsonNode sub : subscriptions) {
                try {
                    connection.sync().xgroupCreate(XReadArgs.StreamOffset.latest(sub.path("channel").asText()),
                            sub.path("group").asText(), XGroupCreateArgs.Builder.mkstream());
                } catch (RedisBusyException ex) {
                    // BUSYGROUP: the group exists already
                }
            }
        }

        @Override
        void run() throws Exception {
            String consumer = InetAddress.getLocalHost().getHostName() + "-" + ProcessHandle.current().pid();
            if (subscriptions.isEmpty()) {
                while (true) {
                    Thread.sleep(5000);
                    connection.sync().ping();
                }
            }
            // one blocking reader per subscription, each on its own connection
            List<Thread> readers = new ArrayList<>();
            for (JsonNode sub : subscriptions) {
                readers.add(Thread.ofVirtual().start(() -> read(sub, consumer)));
            }
            for (Thread reader : readers) reader.join();
            throw new IllegalStateException(error);
        }

        private void read(JsonNode sub, String name) {
            String channel = sub.path("channel").asText();
            String group = sub.path("group").asText();
            try (StatefulRedisConnection<String, String> reader = client.connect()) {
                while (true) {
                    List<StreamMessage<String, String>> batch = reader.sync().xreadgroup(
                            Consumer.from(group, name), XReadArgs.Builder.block(1000).count(20),
                            XReadArgs.StreamOffset.lastConsumed(channel));
                    for (StreamMessage<String, String> message : batch) {
                        String data = message.getBody().getOrDefault("data", "{}");
                        deliverInPlace(sub, data.getBytes(StandardCharsets.UTF_8));
                        reader.sync().xack(channel, group, message.getId());
                    }
                }
            } catch (Exception ex) {
                error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            }
        }

        @Override
        void disconnect() {
            if (connection != null) connection.close();
            if (client != null) client.shutdown();
            connection = null;
            client = null;
        }

        @Override
        public synchronized void publish(String channel, byte[] body) {
            connection.sync().xadd(channel, XAddArgs.Builder.maxlen(100_000).approximateTrimming(),
                    "data", new String(body, StandardCharsets.UTF_8));
        }
    }
}
