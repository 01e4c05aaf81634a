package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.bson.Document;
import org.springframework.stereotype.Component;

/**
 * The modelled datastores, connected lazily from {@code DATASTORE_<ID>_URL} and checked by
 * readiness with a real query: SQL {@code SELECT 1} (a HikariCP pool per store), Redis
 * {@code PING} (Lettuce), MongoDB {@code ping}; any other kind a TCP connect. A failed check
 * drops the client so the next probe reconnects.
 */
@Component
public class Datastores {
    public static final Set<String> SQL = Set.of("postgres", "mysql", "mariadb");
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

    private final Map<String, Store> stores = new LinkedHashMap<>();

    Datastores() {
        for (JsonNode spec : Spec.list("datastores")) {
            stores.put(spec.path("id").asText(), new Store(spec.path("id").asText(), spec.path("kind").asText(), spec.path("env").asText()));
        }
    }

    /** The JDBC pool of a SQL datastore (outbox, processed-message table); null for other kinds. */
    public DataSource sql(String id) {
        Store store = stores.get(id);
        return store == null || !SQL.contains(store.kind) ? null : store.dataSource();
    }

    /** The service's first SQL datastore, or null. */
    public String firstSql() {
        return stores.values().stream().filter(s -> SQL.contains(s.kind)).map(s -> s.id).findFirst().orElse(null);
    }

    /** One plain sentence per datastore that does not answer (empty when all do). */
    public List<String> problems() {
        List<CompletableFuture<String>> checks = new ArrayList<>();
        for (Store store : stores.values()) {
            checks.add(CompletableFuture.supplyAsync(() -> {
                try {
                    store.check();
                    return null;
                } catch (Exception ex) {
                    store.close();
                    return "datastore " + store.id + ": " + ex.getClass().getSimpleName() + ": " + ex.getMessage();
                }
            }).completeOnTimeout("datastore " + store.id + ": no answer within " + (CHECK_TIMEOUT.toSeconds() + 1) + " s",
                    CHECK_TIMEOUT.toSeconds() + 1, TimeUnit.SECONDS));
        }
        return checks.stream().map(CompletableFuture::join).filter(p -> p != null).toList();
    }

    /** postgres://u:p@h:5432/db → a JDBC URL, user and password. */
    static HikariConfig jdbc(String kind, String url) {
        Env.Url u = Env.Url.parse(url, kind.equals("postgres") ? 5432 : 3306);
        HikariConfig config = new HikariConfig();
        String scheme = switch (kind) {
            case "postgres" -> "jdbc:postgresql://";
            case "mariadb" -> "jdbc:mariadb://";
            default -> "jdbc:mysql://";
        };
        // stringtype=unspecified lets PostgreSQL type a text parameter (uuid, jsonb columns)
        String options = kind.equals("postgres") ? "?stringtype=unspecified" : "";
        config.setJdbcUrl(scheme + u.host() + ":" + u.port() + "/" + u.path() + options);
        config.setUsername(u.user());
        config.setPassword(u.password());
        config.setMaximumPoolSize(5);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(CHECK_TIMEOUT.toMillis());
        config.setInitializationFailTimeout(-1); // start while the datastore is down
        return config;
    }

    static final class Store {
        final String id;
        final String kind;
        final String env;
        private HikariDataSource pool;
        private MongoClient mongo;
        private RedisClient redis;
        private StatefulRedisConnection<String, String> redisConnection;

        Store(String id, String kind, String env) {
            this.id = id;
            this.kind = kind;
            this.env = env;
        }

        String url() {
            String url = Env.get(env);
            if (url.isEmpty()) throw new IllegalStateException(env + " is not set");
            return url;
        }

        synchronized HikariDataSource dataSource() {
            if (pool == null) {
                HikariConfig config = jdbc(kind, url());
                config.setPoolName("datastore-" + id);
                pool = new HikariDataSource(config);
            }
            return pool;
        }

        void check() throws Exception {
            switch (kind) {
                case "postgres", "mysql", "mariadb" -> {
                    try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
                        s.setQueryTimeout((int) CHECK_TIMEOUT.toSeconds());
                        s.execute("SELECT 1");
                    }
                }
                case "mongodb" -> {
                    synchronized (this) {
                        if (mongo == null) mongo = MongoClients.create(url() + (url().contains("?") ? "&" : "?") + "serverSelectionTimeoutMS=2000");
                    }
                    mongo.getDatabase("admin").runCommand(new Document("ping", 1));
                }
                case "redis" -> {
                    synchronized (this) {
                        if (redis == null) {
                            RedisURI uri = RedisURI.create(url());
                            uri.setTimeout(CHECK_TIMEOUT);
                            redis = RedisClient.create(uri);
                            redisConnection = redis.connect();
                        }
                    }
                    redisConnection.sync().ping();
                }
                default -> {
                    Env.Url u = Env.Url.parse(url(), 0);
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(u.host(), u.port()), (int) CHECK_TIMEOUT.toMillis());
                    }
                }
            }
        }

        synchronized void close() {
            // a SQL pool survives a failed check: Hikari replaces broken connections itself
            if (mongo != null) mongo.close();
            mongo = null;
            if (redisConnection != null) redisConnection.close();
            if (redis != null) redis.shutdown();
            redis = null;
            redisConnection = null;
        }
    }
}
