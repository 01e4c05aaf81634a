package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The service's HTTP API: liveness, readiness, one stub per modelled operation (also under each
 * gateway route prefix), and the debug endpoints when {@code WORKBENCH_DEBUG_ENDPOINTS=1}.
 *
 * <p>The operations come from spec.json at start-up, so one catch-all mapping dispatches them:
 * Spring's explicit mappings (health, debug, /metrics) win over it. Replace a stub by adding a
 * real {@code @GetMapping} for its path; it takes precedence over the catch-all.
 */
@RestController
public class HttpApi {
    private final Calls calls;
    private final Datastores datastores;
    private final Events events;
    private final Set<String> liveness = new HashSet<>(Set.of("/healthz"));
    private final Set<String> readiness = new HashSet<>(Set.of("/readyz"));
    private final List<Routing.Route<JsonNode>> routes = new ArrayList<>();

    HttpApi(Calls calls, Datastores datastores, Events events) {
        this.calls = calls;
        this.datastores = datastores;
        this.events = events;
        JsonNode health = Spec.root().path("health");
        liveness.add(health.path("liveness").asText("/healthz"));
        if (!health.path("readiness").asText().equals(health.path("liveness").asText())) {
            readiness.add(health.path("readiness").asText("/readyz"));
        }
        List<String> prefixes = new ArrayList<>(List.of(""));
        Spec.list("route_prefixes").forEach(p -> prefixes.add(p.asText()));
        for (JsonNode op : Spec.list("operations")) {
            for (String prefix : prefixes) {
                routes.add(Routing.Route.of(op.path("method").asText(), prefix + op.path("path").asText(), op));
            }
        }
    }

    @GetMapping("/**")
    public ResponseEntity<Object> get(HttpServletRequest request) {
        String path = request.getRequestURI();
        if (liveness.contains(path)) {
            request.setAttribute(Observability.ROUTE, path);
            return ResponseEntity.ok(Map.of("status", "ok", "service", Spec.service()));
        }
        if (readiness.contains(path)) {
            request.setAttribute(Observability.ROUTE, path);
            return ready();
        }
        return operation(request);
    }

    @RequestMapping(value = "/**")
    public ResponseEntity<Object> operation(HttpServletRequest request) {
        String path = request.getRequestURI();
        for (Routing.Route<JsonNode> r : routes) {
            Map<String, String> params = r.match(request.getMethod(), path);
            if (params == null) continue;
            request.setAttribute(Observability.ROUTE, r.template());
            // TODO: implement; the model says which operation this is (spec.json operations[].key).
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", Spec.service());
            body.put("operation", r.operation().path("key").asText());
            body.put("stub", true);
            body.put("path", path);
            body.put("path_params", params);
            // what the gateway verified and passed on (absent when called directly)
            body.put("gateway_identity", request.getHeader("X-Auth-Subject"));
            return ResponseEntity.ok(body);
        }
        return ResponseEntity.status(404).body(Map.of("detail", "not found"));
    }

    ResponseEntity<Object> ready() {
        List<String> problems = new ArrayList<>(datastores.problems());
        problems.addAll(events.problems());
        // an operator-supplied address left empty keeps the service out of rotation until it is set
        for (JsonNode call : Spec.list("calls")) {
            if (Env.get(call.path("env").asText()).isEmpty()) problems.add(call.path("env").asText() + " is not set");
        }
        if (!problems.isEmpty()) {
            return ResponseEntity.status(503).body(Map.of("status", "unavailable", "problems", problems));
        }
        return ResponseEntity.ok(Map.of("status", "ready", "service", Spec.service()));
    }

    // Debug endpoints (WORKBENCH_DEBUG_ENDPOINTS=1 only, never in production).

    private static ResponseEntity<Object> notFound(String detail) {
        return ResponseEntity.status(404).body(Map.of("detail", detail));
    }

    @GetMapping("/_events/received")
    public ResponseEntity<Object> received() {
        if (!Spec.debug()) return notFound("not found");
        return ResponseEntity.ok(events.received());
    }

    @PostMapping("/_events/publish/{event}")
    public ResponseEntity<Object> publish(@PathVariable String event, @RequestBody(required = false) JsonNode data) {
        if (!Spec.debug()) return notFound("not found");
        if (!events.publishes(event)) return notFound(Spec.service() + " does not publish " + event);
        try {
            events.publish(event, data == null ? Spec.JSON.createObjectNode() : data);
        } catch (Events.BrokerDown ex) {
            return ResponseEntity.status(503).body(Map.of("detail", ex.getMessage()));
        }
        return ResponseEntity.ok(Map.of("published", event));
    }

    @PostMapping("/_events/fail/{event}")
    public ResponseEntity<Object> fail(@PathVariable String event, @RequestParam(defaultValue = "1") int times) {
        if (!Spec.debug()) return notFound("not found");
        events.failNext(event, times);
        return ResponseEntity.ok(Map.of("event", event, "times", times));
    }

    @GetMapping("/_calls")
    public ResponseEntity<Object> callStats() {
        if (!Spec.debug()) return notFound("not found");
        return ResponseEntity.ok(calls.dependencies().values().stream().map(Calls.Dependency::stats).toList());
    }

    @PostMapping("/_calls/{target}")
    public ResponseEntity<Object> call(HttpServletRequest request, @PathVariable String target,
            @RequestParam(defaultValue = "GET") String method, @RequestParam(defaultValue = "/") String path) {
        if (!Spec.debug()) return notFound("not found");
        Calls.Dependency dependency = calls.dependencies().get(target);
        if (dependency == null) return notFound(Spec.service() + " does not call " + target);
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            Calls.Answer answer = dependency.call(method, path, request.getHeader("Authorization"));
            out.put("status", answer.status());
            JsonNode body;
            try {
                body = Spec.JSON.readTree(answer.body());
            } catch (Exception ex) {
                body = null;
            }
            out.put("body", body);
            out.put("fallback", answer.fallback());
        } catch (Calls.CallFailed ex) {
            return ResponseEntity.status(ex.circuitOpen ? 503 : 502).body(Map.of("detail", ex.getMessage()));
        }
        out.putAll(dependency.stats());
        ResponseEntity.BodyBuilder ok = ResponseEntity.ok();
        if (out.get("fallback") != null) ok.header("x-workbench-fallback", target);
        return ok.body(out);
    }
}
