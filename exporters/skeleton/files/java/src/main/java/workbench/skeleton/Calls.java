package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.core.IntervalBiFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.MDC;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Outbound calls with the model's resilience (docs/skeletons.md, Calls), on Resilience4j.
 *
 * <ul>
 *   <li>deadline: {@code timeout_ms} is one deadline across every attempt and backoff (a
 *       TimeLimiter around the retries; each attempt gets what is left); 30 s when absent;
 *   <li>retries: {@code retries.max} more attempts, backoff {@code backoff_ms * 2^(n-1)}, full
 *       jitter when {@code jitter}; connection errors always, timeouts and 5xx only when the call
 *       is idempotent (the operation's flag, else by method);
 *   <li>circuit breaker: opens after {@code failure_threshold} failed calls in a row (a count
 *       window of that size at 100 % failures), half-open after {@code reset_timeout_ms} with one
 *       trial call; while open, no network attempt;
 *   <li>fallback: {@code 200 {"fallback", "target"}} with {@code x-workbench-fallback} instead of
 *       the error and while the circuit is open. Replace it with the real fallback.
 * </ul>
 */
@Component
public class Calls {
    static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS");
    static final long SAFETY_TIMEOUT_MS = 30_000;

    private final Map<String, Dependency> byName = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final MeterRegistry registry;
    private final ObjectProvider<Tracer> tracer;
    private final ObjectProvider<Propagator> propagator;

    Calls(MeterRegistry registry, ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        this.registry = registry;
        this.tracer = tracer;
        this.propagator = propagator;
        for (JsonNode spec : Spec.list("calls")) {
            Dependency d = new Dependency(spec);
            byName.put(d.name, d);
        }
    }

    public Map<String, Dependency> dependencies() {
        return byName;
    }

    /** The answer of a call: status, body and whether the modelled fallback produced it. */
    public record Answer(int status, String body, String fallback) {}

    /** Thrown when the call failed and the model has no fallback (the API answers 502/503). */
    public static class CallFailed extends RuntimeException {
        final boolean circuitOpen;

        CallFailed(String message, boolean circuitOpen) {
            super(message);
            this.circuitOpen = circuitOpen;
        }
    }

    /** A failed attempt worth retrying when the call is idempotent (a timeout, a reset, a 5xx). */
    private static class Retryable extends RuntimeException {
        final boolean timeout;

        Retryable(String message, boolean timeout) {
            super(message, null, false, false);
            this.timeout = timeout;
        }
    }

    /** Nothing was sent: always safe to retry. */
    private static final class ConnectFailed extends RuntimeException {
        ConnectFailed(String message) {
            super(message, null, false, false);
        }
    }

    public final class Dependency {
        final String name;
        final String env;
        final long timeoutMs;
        final Boolean idempotent;
        final String fallback;
        final boolean forwardToken;
        final int maxRetries;
        final long backoffMs;
        final boolean jitter;
        final CircuitBreaker breaker;
        final TimeLimiter limiter;
        final AtomicLong attempts = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong fallbacks = new AtomicLong();

        Dependency(JsonNode spec) {
            name = spec.path("to").asText();
            env = spec.path("env").asText();
            timeoutMs = spec.path("timeout_ms").asLong(0) > 0 ? spec.path("timeout_ms").asLong() : SAFETY_TIMEOUT_MS;
            idempotent = spec.path("idempotent").isBoolean() ? spec.path("idempotent").asBoolean() : null;
            fallback = spec.path("fallback").isTextual() ? spec.path("fallback").asText() : null;
            forwardToken = "jwt".equals(spec.path("auth").asText());
            JsonNode retries = spec.path("retries");
            maxRetries = retries.path("max").asInt(0);
            backoffMs = retries.path("backoff_ms").asLong(0) > 0 ? retries.path("backoff_ms").asLong() : 100;
            jitter = retries.path("jitter").asBoolean(false);
            JsonNode cb = spec.path("circuit_breaker");
            if (cb.isObject()) {
                int threshold = Math.max(1, cb.path("failure_threshold").asInt(5));
                breaker = CircuitBreaker.of(name, CircuitBreakerConfig.custom()
                        .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                        .slidingWindowSize(threshold)
                        .minimumNumberOfCalls(threshold)
                        .failureRateThreshold(100)
                        .waitDurationInOpenState(Duration.ofMillis(cb.path("reset_timeout_ms").asLong(30_000)))
                        .permittedNumberOfCallsInHalfOpenState(1)
                        .recordException(ex -> !(ex instanceof CallNotPermittedException))
                        .build());
            } else {
                breaker = null;
            }
            limiter = TimeLimiter.of(TimeLimiterConfig.custom()
                    .timeoutDuration(Duration.ofMillis(timeoutMs)).cancelRunningFuture(true).build());
            Gauge.builder("circuit.breaker.state", this, Dependency::stateCode)
                    .description("0 closed, 1 open, 2 half-open").tag("target", name).register(registry);
        }

        double stateCode() {
            if (breaker == null) return 0;
            return switch (breaker.getState()) {
                case OPEN, FORCED_OPEN -> 1;
                case HALF_OPEN -> 2;
                default -> 0;
            };
        }

        String state() {
            if (breaker == null) return "none";
            return switch (breaker.getState()) {
                case OPEN, FORCED_OPEN -> "open";
                case HALF_OPEN -> "half-open";
                default -> "closed";
            };
        }

        long delayMs(int attempt) {
            return Routing.backoffMs(backoffMs, attempt, jitter);
        }

        public Map<String, Object> stats() {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("to", name);
            s.put("attempts", attempts.get());
            s.put("rejected", rejected.get());
            s.put("fallbacks", fallbacks.get());
            s.put("state", state());
            s.put("failures", breaker == null ? 0 : breaker.getMetrics().getNumberOfFailedCalls());
            return s;
        }

        /** One modelled call: deadline, retries, breaker, fallback. */
        public Answer call(String method, String path, String authorization) {
            String verb = method.toUpperCase();
            boolean retrySafe = idempotent != null ? idempotent : IDEMPOTENT.contains(verb);
            long deadline = System.nanoTime() + timeoutMs * 1_000_000;
            long started = System.nanoTime();
            Map<String, String> mdc = MDC.getCopyOfContextMap();
            Span parent = tracer.getIfAvailable() == null ? null : tracer.getObject().currentSpan();
            Retry retry = Retry.of(name, RetryConfig.<HttpResponse<String>>custom()
                    .maxAttempts(maxRetries + 1)
                    .intervalBiFunction(IntervalBiFunction.ofIntervalFunction(
                            attempt -> Math.max(1, Math.min(delayMs(attempt), (deadline - System.nanoTime()) / 1_000_000))))
                    .retryOnException(ex -> ex instanceof ConnectFailed || (retrySafe && ex instanceof Retryable))
                    .failAfterMaxAttempts(false)
                    .build());
            java.util.function.Supplier<HttpResponse<String>> attempt =
                    Retry.decorateSupplier(retry, () -> attempt(verb, path, authorization, deadline, mdc, parent));
            try {
                java.util.function.Supplier<HttpResponse<String>> guarded = () -> {
                    try {
                        return limiter.executeFutureSupplier(() -> CompletableFuture.supplyAsync(attempt, executor));
                    } catch (TimeoutException ex) {
                        throw new Retryable("deadline of " + timeoutMs + " ms exceeded", true);
                    } catch (RuntimeException ex) {
                        throw ex;
                    } catch (Exception ex) {
                        throw new Retryable(String.valueOf(ex.getMessage()), false);
                    }
                };
                HttpResponse<String> response = breaker == null ? guarded.get() : breaker.executeSupplier(guarded);
                outcome("success", started);
                return new Answer(response.statusCode(), response.body(), null);
            } catch (CallNotPermittedException ex) {
                rejected.incrementAndGet();
                outcome("short_circuited", started);
                return failed("circuit to " + name + " is open", true);
            } catch (RuntimeException ex) {
                Throwable cause = ex.getCause() != null && ex instanceof java.util.concurrent.CompletionException ? ex.getCause() : ex;
                outcome(cause instanceof Retryable r && r.timeout ? "timeout" : "error", started);
                return failed("call to " + name + " failed: " + cause.getMessage(), false);
            }
        }

        private Answer failed(String reason, boolean circuitOpen) {
            if (fallback == null) throw new CallFailed(reason, circuitOpen);
            fallbacks.incrementAndGet();
            count("fallback");
            String body;
            try {
                body = Spec.JSON.writeValueAsString(Map.of("fallback", fallback, "target", name, "reason", reason));
            } catch (IOException ex) {
                body = "{}";
            }
            return new Answer(200, body, fallback);
        }

        private void outcome(String outcome, long started) {
            count(outcome);
            Timer.builder("http.client.request.duration").tag("target", name).publishPercentileHistogram()
                    .register(registry).record(Duration.ofNanos(System.nanoTime() - started));
        }

        private void count(String outcome) {
            Counter.builder("http.client.requests").tags("target", name, "outcome", outcome).register(registry).increment();
        }

        private HttpResponse<String> attempt(String method, String path, String authorization, long deadline,
                Map<String, String> mdc, Span parent) {
            long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
            if (remainingMs <= 0) throw new Retryable("deadline of " + timeoutMs + " ms exceeded", true);
            String base = Env.get(env);
            if (base.isEmpty()) throw new IllegalStateException(env + " is not set");
            attempts.incrementAndGet();
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + path))
                    .timeout(Duration.ofMillis(remainingMs))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .header("User-Agent", "workbench-skeleton");
            if (mdc != null && mdc.get(Observability.REQUEST_ID) != null) {
                request.header("X-Request-ID", mdc.get(Observability.REQUEST_ID));
            }
            if (forwardToken && authorization != null) request.header("Authorization", authorization);
            Tracer t = tracer.getIfAvailable();
            Span span = null;
            if (t != null) {
                Span.Builder builder = t.spanBuilder();
                if (parent != null) builder.setParent(parent.context());
                span = builder.name(method + " " + name).kind(Span.Kind.CLIENT).remoteServiceName(name).start();
                Propagator p = propagator.getIfAvailable();
                if (p != null) p.inject(span.context(), request, HttpRequest.Builder::header);
            }
            try {
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() >= 500) throw new Retryable("HTTP " + response.statusCode(), false);
                return response;
            } catch (ConnectException | HttpConnectTimeoutException ex) {
                if (span != null) span.error(ex);
                throw new ConnectFailed("connect: " + ex.getMessage());
            } catch (IOException ex) {
                if (span != null) span.error(ex);
                throw new Retryable(ex.getClass().getSimpleName() + ": " + ex.getMessage(), ex instanceof HttpTimeoutException);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new Retryable("interrupted at the deadline", true);
            } finally {
                if (span != null) span.end();
            }
        }
    }
}
