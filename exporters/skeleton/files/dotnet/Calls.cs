// Outbound calls with the model's resilience (docs/skeletons.md, Calls), on Polly v8 pipelines:
// fallback → one overall timeout (timeout_ms across every attempt and backoff; 30 s when absent)
// → circuit breaker (opens after failure_threshold failed calls in a row: failure ratio 1.0 over
// at least that many calls; half-open after reset_timeout_ms with one trial; no network attempt
// while open) → retry (retries.max more attempts, backoff_ms * 2^(n-1), full jitter when
// jitter; connection errors always, timeouts and 5xx only when the call is idempotent: the
// operation's flag, else by method). The fallback answers 200 {"fallback", "target"} with
// x-workbench-fallback instead of the error and while the circuit is open: replace it.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Polly;
using Polly.CircuitBreaker;
using Polly.Fallback;
using Polly.Retry;
using Polly.Timeout;

namespace Workbench.Skeleton;

public sealed class Calls
{
    public Dictionary<string, Dependency> ByName { get; } = new();

    public Calls(IHttpClientFactory clients)
    {
        foreach (var spec in Spec.List("calls"))
        {
            var d = new Dependency(spec, clients);
            ByName[d.Name] = d;
        }
    }
}

public sealed class CallFailedException(string message, bool circuitOpen) : Exception(message)
{
    public bool CircuitOpen { get; } = circuitOpen;
}

public sealed class Dependency
{
    static readonly HashSet<string> IdempotentMethods = ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"];
    static readonly ResiliencePropertyKey<bool> Idempotent = new("workbench.idempotent");
    const int SafetyTimeoutMs = 30_000;

    public string Name { get; }
    readonly string env;
    readonly bool? idempotent;
    readonly string? fallback;
    readonly bool forwardToken;
    readonly int maxRetries;
    readonly double backoffMs;
    readonly bool jitter;
    readonly int timeoutMs;
    readonly bool hasBreaker;
    readonly CircuitBreakerStateProvider breakerState = new();
    readonly ResiliencePipeline<HttpResponseMessage> pipeline;
    readonly IHttpClientFactory clients;
    long attempts, rejected, fallbacks;

    public Dependency(JsonObject spec, IHttpClientFactory clients)
    {
        this.clients = clients;
        Name = Spec.Str(spec, "to");
        env = Spec.Str(spec, "env");
        var timeout = (int?)spec["timeout_ms"] ?? 0;
        timeoutMs = timeout > 0 ? timeout : SafetyTimeoutMs;
        idempotent = (bool?)spec["idempotent"];
        fallback = (string?)spec["fallback"];
        forwardToken = Spec.Str(spec, "auth") == "jwt";
        maxRetries = (int?)spec["retries"]?["max"] ?? 0;
        var backoff = (int?)spec["retries"]?["backoff_ms"] ?? 0;
        backoffMs = backoff > 0 ? backoff : 100;
        jitter = (bool?)spec["retries"]?["jitter"] ?? false;
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage>();
        if (fallback is not null)
        {
            builder.AddFallback(new FallbackStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null || (int)args.Outcome.Result!.StatusCode >= 500),
                FallbackAction = args =>
                {
                    Count(Classify(args.Outcome.Exception));
                    return Outcome.FromResultAsValueTask(FallbackResponse(args.Outcome.Exception?.Message ?? "HTTP 5xx"));
                },
            });
        }
        builder.AddTimeout(TimeSpan.FromMilliseconds(timeoutMs));
        var breaker = spec["circuit_breaker"] as JsonObject;
        if (breaker is not null)
        {
            hasBreaker = true;
            var threshold = Math.Max(2, (int?)breaker["failure_threshold"] ?? 5); // Polly's minimum throughput is 2
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                FailureRatio = 1.0,
                MinimumThroughput = threshold,
                SamplingDuration = TimeSpan.FromMinutes(1),
                BreakDuration = TimeSpan.FromMilliseconds(Math.Max(500, (int?)breaker["reset_timeout_ms"] ?? 30_000)),
                StateProvider = breakerState,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is not null || (int)args.Outcome.Result!.StatusCode >= 500),
            });
        }
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = maxRetries,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(TimeSpan.FromMilliseconds(Delay(args.AttemptNumber + 1))),
                ShouldHandle = args =>
                {
                    var safe = args.Context.Properties.GetValue(Idempotent, false);
                    return ValueTask.FromResult(args.Outcome switch
                    {
                        { Exception: HttpRequestException { InnerException: SocketException } } => true, // nothing was sent
                        { Exception: HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError } } => true,
                        { Exception: HttpRequestException or IOException } => safe,
                        { Result: { } r } => safe && (int)r.StatusCode >= 500,
                        _ => false,
                    });
                },
            });
        }
        pipeline = builder.Build();
        Observability.BreakerState.WithLabels(Name).Set(0);
    }

    /// <summary>The backoff before retry n (1-based): exponential, with full jitter when modelled.</summary>
    public double Delay(int attempt)
    {
        var backoff = backoffMs * Math.Pow(2, attempt - 1);
        return jitter ? Random.Shared.NextDouble() * backoff : backoff;
    }

    string State => !hasBreaker ? "none" : breakerState.CircuitState switch
    {
        CircuitState.Open or CircuitState.Isolated => "open",
        CircuitState.HalfOpen => "half-open",
        _ => "closed",
    };

    public Dictionary<string, object?> Stats() => new()
    {
        ["to"] = Name,
        ["attempts"] = Interlocked.Read(ref attempts),
        ["rejected"] = Interlocked.Read(ref rejected),
        ["fallbacks"] = Interlocked.Read(ref fallbacks),
        ["state"] = State,
    };

    HttpResponseMessage FallbackResponse(string reason)
    {
        Interlocked.Increment(ref fallbacks);
        Observability.ClientRequests.WithLabels(Name, "fallback").Inc();
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = JsonContent.Create(new { fallback, target = Name, reason }),
        };
        response.Headers.Add("x-workbench-fallback", Name);
        return response;
    }

    static string Classify(Exception? ex) => ex switch
    {
        BrokenCircuitException => "short_circuited",
        TimeoutRejectedException => "timeout",
        _ => "error",
    };

    void Count(string outcome)
    {
        if (outcome == "short_circuited") Interlocked.Increment(ref rejected);
        Observability.ClientRequests.WithLabels(Name, outcome).Inc();
    }

    /// <summary>One modelled call; CallFailedException when it failed and no fallback is modelled.</summary>
    public async Task<HttpResponseMessage> CallAsync(string method, string path, string? authorization, CancellationToken ct)
    {
        var verb = method.ToUpperInvariant();
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(Idempotent, idempotent ?? IdempotentMethods.Contains(verb));
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await pipeline.ExecuteAsync(async ctx =>
            {
                var url = Env.Get(env);
                if (url.Length == 0) throw new InvalidOperationException($"{env} is not set");
                Interlocked.Increment(ref attempts);
                // the client span and traceparent come from OpenTelemetry's HttpClient instrumentation
                using var request = new HttpRequestMessage(new HttpMethod(verb), url.TrimEnd('/') + path);
                if (Observability.RequestId.Value is { } id) request.Headers.Add("X-Request-ID", id);
                if (forwardToken && authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
                return await clients.CreateClient("calls").SendAsync(request, ctx.CancellationToken);
            }, context);
            if (!response.Headers.Contains("x-workbench-fallback"))
                Count((int)response.StatusCode >= 500 ? "error" : "success");
            return response;
        }
        catch (Exception ex) when (ex is BrokenCircuitException or TimeoutRejectedException or HttpRequestException
                                       or InvalidOperationException or IOException)
        {
            Count(Classify(ex));
            var reason = ex switch
            {
                BrokenCircuitException => $"circuit to {Name} is open",
                TimeoutRejectedException => $"call to {Name} failed: deadline of {timeoutMs} ms exceeded",
                _ => $"call to {Name} failed: {ex.Message}",
            };
            throw new CallFailedException(reason, ex is BrokenCircuitException);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            Observability.ClientDuration.WithLabels(Name).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            Observability.BreakerState.WithLabels(Name).Set(State switch { "open" => 1, "half-open" => 2, _ => 0 });
        }
    }
}
