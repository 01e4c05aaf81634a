// Request ids, the contract's metrics and JSON log lines (docs/skeletons.md, HTTP and Logs).
using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Prometheus;

namespace Workbench.Skeleton;

public static partial class Observability
{
    public static readonly ActivitySource Source = new("Workbench.Skeleton");
    public static readonly AsyncLocal<string?> RequestId = new();

    public static readonly Counter ServerRequests = Metrics.CreateCounter(
        "http_server_requests_total", "HTTP requests served", "method", "route", "status");
    public static readonly Histogram ServerDuration = Metrics.CreateHistogram(
        "http_server_request_duration_seconds", "HTTP request duration", "method", "route");
    public static readonly Counter ClientRequests = Metrics.CreateCounter(
        "http_client_requests_total", "Calls to modelled dependencies", "target", "outcome");
    public static readonly Histogram ClientDuration = Metrics.CreateHistogram(
        "http_client_request_duration_seconds", "Call duration, all attempts", "target");
    public static readonly Gauge BreakerState = Metrics.CreateGauge(
        "circuit_breaker_state", "0 closed, 1 open, 2 half-open", "target");
    public static readonly Counter Published = Metrics.CreateCounter(
        "events_published_total", "Events published", "event", "outcome");
    public static readonly Counter Consumed = Metrics.CreateCounter(
        "events_consumed_total", "Events consumed", "event", "outcome");
    public static readonly Gauge OutboxPending = Metrics.CreateGauge(
        "outbox_pending", "Outbox rows not yet published", "store");

    [GeneratedRegex("^[\\x21-\\x7e]{1,128}$")]
    private static partial Regex Printable();

    /// <summary>
    /// X-Request-ID: the client's when it is at most 128 printable characters, else a new UUID;
    /// in every log line and on every call. The RED metrics use the endpoint's route template.
    /// </summary>
    public static async Task Middleware(HttpContext context, Func<Task> next)
    {
        var given = context.Request.Headers["X-Request-ID"].ToString();
        var id = Printable().IsMatch(given) ? given : Guid.NewGuid().ToString();
        RequestId.Value = id;
        context.Response.Headers["X-Request-ID"] = id;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next();
        }
        finally
        {
            // a raw path never becomes a label: only route templates do
            var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            if (!route.StartsWith('/')) route = "/" + route;
            var method = context.Request.Method;
            ServerRequests.WithLabels(method, route, context.Response.StatusCode.ToString()).Inc();
            ServerDuration.WithLabels(method, route).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}

/// <summary>One JSON object per line: time, level, service, message, trace_id, span_id, request_id.</summary>
public sealed class JsonLineFormatter() : ConsoleFormatter("workbench-json")
{
    public override void Write<TState>(in LogEntry<TState> entry, IExternalScopeProvider? scopes, TextWriter writer)
    {
        var message = entry.Formatter?.Invoke(entry.State, entry.Exception);
        if (message is null && entry.Exception is null) return;
        var activity = Activity.Current;
        var line = new Dictionary<string, object?>
        {
            ["time"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'"),
            ["level"] = entry.LogLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warning",
                LogLevel.Error => "error",
                _ => "critical",
            },
            ["service"] = Spec.Service,
            ["message"] = message ?? "",
            ["trace_id"] = activity?.TraceId.ToHexString() ?? "",
            ["span_id"] = activity?.SpanId.ToHexString() ?? "",
            ["request_id"] = Observability.RequestId.Value ?? "",
            ["logger"] = entry.Category,
        };
        scopes?.ForEachScope((scope, l) =>
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (k, v) in pairs)
                    if (k.StartsWith("event_")) l[k] = v?.ToString();
        }, line);
        if (entry.Exception is not null) line["error"] = entry.Exception.ToString();
        writer.Write(JsonSerializer.Serialize(line));
        writer.Write('\n');
    }
}
