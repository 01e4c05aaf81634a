package workbench.skeleton;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.MDC;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Request ids and the contract's server metrics (docs/skeletons.md, HTTP).
 *
 * <p>Every response carries {@code X-Request-ID}: the client's when it is at most 128 printable
 * characters, else a new UUID; it is in the MDC (so in every log line) and passed on calls.
 * {@code http_server_requests_total{method,route,status}} and
 * {@code http_server_request_duration_seconds{method,route}} use the route template the handler
 * put into the request attribute {@link #ROUTE}, never the raw path. Spring's own
 * {@code http.server.requests} timer is dropped: its tags differ and the name is the contract's.
 */
@Configuration
public class Observability {
    public static final String ROUTE = "workbench.route";
    public static final String REQUEST_ID = "request_id";

    @Bean
    MeterFilter dropSpringServerTimer() {
        return MeterFilter.deny(id -> id.getName().equals("http.server.requests") && id.getType() == Meter.Type.TIMER);
    }

    @Component
    @Order(Ordered.HIGHEST_PRECEDENCE)
    static class RequestFilter extends OncePerRequestFilter {
        private final MeterRegistry registry;

        RequestFilter(MeterRegistry registry) {
            this.registry = registry;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            String id = Routing.requestId(request.getHeader("X-Request-ID"));
            response.setHeader("X-Request-ID", id);
            MDC.put(REQUEST_ID, id);
            long start = System.nanoTime();
            try {
                chain.doFilter(request, response);
            } finally {
                Object route = request.getAttribute(ROUTE);
                // a raw path never becomes a label: only the handlers' templates and /metrics do
                String template = route != null ? route.toString()
                        : request.getRequestURI().equals("/metrics") ? "/metrics" : "unmatched";
                Counter.builder("http.server.requests")
                        .description("HTTP requests served")
                        .tags("method", request.getMethod(), "route", template, "status", Integer.toString(response.getStatus()))
                        .register(registry)
                        .increment();
                Timer.builder("http.server.request.duration")
                        .description("HTTP request duration")
                        .tags("method", request.getMethod(), "route", template)
                        .publishPercentileHistogram()
                        .register(registry)
                        .record(Duration.ofNanos(System.nanoTime() - start));
                MDC.remove(REQUEST_ID);
            }
        }
    }
}
