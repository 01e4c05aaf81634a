// The model as this one service sees it (spec.json, read once at start-up) and the environment
// with secrets read from files (docs/skeletons.md, Configuration).
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Workbench.Skeleton;

public static class Spec
{
    public static JsonObject Root { get; private set; } = new();

    public static string Service => (string?)Root["service"] ?? "service";

    public static void Load()
    {
        var path = Env.Get("SPEC_PATH", "spec.json");
        try
        {
            Root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        }
        catch (Exception ex) when (ex is IOException or System.Text.Json.JsonException)
        {
            throw new InvalidOperationException($"cannot read {Path.GetFullPath(path)}: {ex.Message}");
        }
    }

    public static IEnumerable<JsonObject> List(string key) =>
        (Root[key] as JsonArray ?? new JsonArray()).OfType<JsonObject>();

    public static bool Flag(string section, string key) => (bool?)Root[section]?[key] ?? false;

    public static bool Debug => Env.Get("WORKBENCH_DEBUG_ENDPOINTS") == "1";

    public static string Str(JsonNode? node, string key, string otherwise = "") =>
        node?[key] is JsonValue v && v.TryGetValue(out string? s) ? s : otherwise;
}

/// <summary>
/// Every <c>NAME_FILE</c> variable whose NAME ends in PASSWORD, SECRET, TOKEN, KEY, KEYS or URL is
/// read into NAME (a file wins over a plain variable; an unreadable file stops the start); then
/// <c>PREFIX_PASSWORD</c> is put, percent-encoded, into each <c>PREFIX_URL</c> without a password.
/// </summary>
public static partial class Env
{
    [GeneratedRegex("^[A-Z0-9_]*(PASSWORD|SECRET|TOKEN|KEYS?|URL)_FILE$")]
    private static partial Regex SecretFile();

    public static void Load()
    {
        foreach (var (key, path) in Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
                     .Select(e => ((string)e.Key, (string?)e.Value ?? "")).ToList())
        {
            if (!SecretFile().IsMatch(key)) continue;
            try
            {
                Environment.SetEnvironmentVariable(key[..^5], File.ReadAllText(path).Trim());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{key}: cannot read {path}: {ex.Message}");
            }
        }
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.EndsWith("_URL")).ToList())
        {
            var password = Get(key[..^4] + "_PASSWORD");
            var url = Get(key);
            var scheme = url.IndexOf("://", StringComparison.Ordinal);
            if (password.Length == 0 || scheme < 0) continue;
            var start = scheme + 3;
            var end = url.IndexOf('/', start);
            var authority = end < 0 ? url[start..] : url[start..end];
            var at = authority.LastIndexOf('@');
            var userinfo = at < 0 ? "" : authority[..at];
            var host = authority[(at + 1)..];
            if (host.Length == 0 || host.StartsWith(':') || userinfo.Contains(':')) continue; // no host, or a password already
            Environment.SetEnvironmentVariable(key,
                url[..start] + userinfo + ":" + Uri.EscapeDataString(password) + "@" + host + (end < 0 ? "" : url[end..]));
        }
    }

    public static string Get(string name, string otherwise = "")
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(value) ? otherwise : value;
    }

    /// <summary>A URL's parts, the user and password percent-decoded.</summary>
    public record Url(string Host, int Port, string User, string Password, string Path)
    {
        public static Url Parse(string url, int defaultPort)
        {
            var uri = new Uri(url);
            var info = uri.UserInfo.Split(':', 2);
            return new Url(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? defaultPort : uri.Port,
                Uri.UnescapeDataString(info[0]), info.Length > 1 ? Uri.UnescapeDataString(info[1]) : "",
                uri.AbsolutePath.TrimStart('/'));
        }
    }
}
