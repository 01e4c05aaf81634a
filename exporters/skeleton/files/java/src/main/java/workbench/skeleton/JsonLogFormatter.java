package workbench.skeleton;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.logging.structured.StructuredLogFormatter;

/**
 * The contract's JSON log line (docs/skeletons.md, Logs): time, level, service, message,
 * trace_id, span_id, request_id, then the logger and any exception. Spring Boot's structured
 * logging calls it for every event when {@code logging.structured.format.console} names it.
 */
public class JsonLogFormatter implements StructuredLogFormatter<ILoggingEvent> {

    @Override
    public String format(ILoggingEvent event) {
        Map<String, String> mdc = event.getMDCPropertyMap();
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        line.put("level", event.getLevel().toString().toLowerCase());
        line.put("service", Spec.root() == null ? "" : Spec.service());
        line.put("message", event.getFormattedMessage());
        line.put("trace_id", mdc.getOrDefault("traceId", ""));
        line.put("span_id", mdc.getOrDefault("spanId", ""));
        line.put("request_id", mdc.getOrDefault("request_id", ""));
        line.put("logger", event.getLoggerName());
        for (Map.Entry<String, String> e : mdc.entrySet()) {
            if (e.getKey().startsWith("event_") || e.getKey().equals("target")) line.put(e.getKey(), e.getValue());
        }
        if (event.getThrowableProxy() != null) {
            line.put("error", ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
        try {
            return Spec.JSON.writeValueAsString(line) + "\n";
        } catch (JsonProcessingException ex) {
            return "{\"level\":\"error\",\"message\":\"unloggable event\"}\n";
        }
    }
}
