// The modelled datastores, connected lazily from DATASTORE_<ID>_URL and checked by readiness with
// a real query: SQL SELECT 1 (Npgsql / MySqlConnector data sources), Redis PING
// (StackExchange.Redis), MongoDB ping; any other kind a TCP connect. A failed check drops the
// client so the next probe reconnects.
using System.Data.Common;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using MongoDB.Bson;
using MongoDB.Driver;
using MySqlConnector;
using Npgsql;
using StackExchange.Redis;

namespace Workbench.Skeleton;

public sealed class Datastores
{
    public static readonly HashSet<string> Sql = ["postgres", "mysql", "mariadb"];
    static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);
    readonly Dictionary<string, Store> stores = new();

    public Datastores()
    {
        foreach (var spec in Spec.List("datastores"))
            stores[Spec.Str(spec, "id")] = new Store(Spec.Str(spec, "id"), Spec.Str(spec, "kind"), Spec.Str(spec, "env"));
    }

    /// <summary>The service's first SQL datastore (outbox, processed-message table), or null.</summary>
    public string? FirstSql => stores.Values.FirstOrDefault(s => Sql.Contains(s.Kind))?.Id;

    public DbDataSource SqlSource(string id) => stores[id].DataSource();

    /// <summary>One plain sentence per datastore that does not answer (empty when all do).</summary>
    public async Task<List<string>> ProblemsAsync()
    {
        var checks = stores.Values.Select(async store =>
        {
            try
            {
                using var cts = new CancellationTokenSource(CheckTimeout + TimeSpan.FromSeconds(1));
                await store.CheckAsync(cts.Token);
                return null;
            }
            catch (Exception ex)
            {
                store.Drop();
                return $"datastore {store.Id}: {ex.GetType().Name}: {ex.Message}";
            }
        });
        return (await Task.WhenAll(checks)).OfType<string>().ToList();
    }

    sealed class Store(string id, string kind, string env)
    {
        public string Id => id;
        public string Kind => kind;
        DbDataSource? sql;
        IMongoClient? mongo;
        ConnectionMultiplexer? redis;

        string Url => Env.Get(env) is { Length: > 0 } url ? url : throw new InvalidOperationException($"{env} is not set");

        public DbDataSource DataSource()
        {
            lock (this)
            {
                if (sql is not null) return sql;
                var u = Env.Url.Parse(Url, kind == "postgres" ? 5432 : 3306);
                sql = kind == "postgres"
                    ? NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder
                    {
                        Host = u.Host, Port = u.Port, Username = u.User, Password = u.Password, Database = u.Path,
                        Timeout = (int)CheckTimeout.TotalSeconds, MaxPoolSize = 5,
                    }.ConnectionString)
                    : new MySqlDataSource(new MySqlConnectionStringBuilder
                    {
                        Server = u.Host, Port = (uint)u.Port, UserID = u.User, Password = u.Password, Database = u.Path,
                        ConnectionTimeout = (uint)CheckTimeout.TotalSeconds, MaximumPoolSize = 5,
                    }.ConnectionString);
                return sql;
            }
        }

        public async Task CheckAsync(CancellationToken ct)
        {
            switch (kind)
            {
                case "postgres" or "mysql" or "mariadb":
                    await using (var conn = await DataSource().OpenConnectionAsync(ct))
                    await using (var cmd = conn.CreateCommand())
                    {
                        cmd.CommandText = "SELECT 1";
                        await cmd.ExecuteScalarAsync(ct);
                    }
                    break;
                case "mongodb":
                    mongo ??= new MongoClient(
                        MongoClientSettings.FromConnectionString(Url).With(x => x.ServerSelectionTimeout = CheckTimeout));
                    await mongo.GetDatabase("admin").RunCommandAsync<BsonDocument>(new BsonDocument("ping", 1), cancellationToken: ct);
                    break;
                case "redis":
                    if (redis is null)
                    {
                        var u = new Uri(Url);
                        var options = ConfigurationOptions.Parse($"{u.Host}:{(u.Port > 0 ? u.Port : 6379)}");
                        var info = u.UserInfo.Split(':', 2);
                        if (info.Length == 2) { options.User = info[0].Length > 0 ? Uri.UnescapeDataString(info[0]) : null; options.Password = Uri.UnescapeDataString(info[1]); }
                        options.ConnectTimeout = (int)CheckTimeout.TotalMilliseconds;
                        options.AbortOnConnectFail = true;
                        redis = await ConnectionMultiplexer.ConnectAsync(options);
                    }
                    await redis.GetDatabase().PingAsync();
                    break;
                default:
                    var target = Env.Url.Parse(Url, 0);
                    using (var client = new TcpClient())
                        await client.ConnectAsync(target.Host, target.Port, ct);
                    break;
            }
        }

        public void Drop()
        {
            // a SQL pool survives a failed check: it opens new connections itself
            redis?.Dispose();
            redis = null;
            mongo = null;
        }
    }
}

static class MongoSettingsExtensions
{
    public static MongoClientSettings With(this MongoClientSettings settings, Action<MongoClientSettings> change)
    {
        change(settings);
        return settings;
    }
}
