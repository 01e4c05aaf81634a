package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

/**
 * The CloudEvents 1.0 envelope (structured JSON mode) every runtime puts around an event, and
 * how a consumer reads a message body. Needs only the JDK and Jackson, so the workbench's tests
 * compile and run it.
 */
public final class Envelope {
    private Envelope() {}

    /** A new envelope; {@code traceparent}/{@code tracestate} only when given (tracing on). */
    public static ObjectNode build(String source, String type, String traceparent, String tracestate, JsonNode data) {
        ObjectNode envelope = Spec.JSON.createObjectNode();
        envelope.put("specversion", "1.0");
        envelope.put("id", UUID.randomUUID().toString());
        envelope.put("source", source);
        envelope.put("type", type);
        envelope.put("time", Instant.now().truncatedTo(ChronoUnit.MILLIS).toString());
        envelope.put("datacontenttype", "application/json");
        if (traceparent != null && !traceparent.isEmpty()) envelope.put("traceparent", traceparent);
        if (tracestate != null && !tracestate.isEmpty()) envelope.put("tracestate", tracestate);
        envelope.set("data", data == null ? Spec.JSON.createObjectNode() : data);
        return envelope;
    }

    /** A message body as an envelope: a body that is not one is taken as {@code {"data": <body>}}. */
    public static ObjectNode read(byte[] body) {
        JsonNode message;
        try {
            message = Spec.JSON.readTree(body);
        } catch (Exception ex) {
            message = null;
        }
        if (message instanceof ObjectNode object && object.has("specversion")) return object;
        ObjectNode wrapped = Spec.JSON.createObjectNode();
        wrapped.set("data", message != null && !message.isMissingNode()
                ? message : Spec.JSON.getNodeFactory().textNode(new String(body, StandardCharsets.UTF_8)));
        return wrapped;
    }
}
