package workbench.skeleton;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pieces of the contract that need only the JDK (so the workbench's tests compile and run
 * them): operation routes from their path templates, the X-Request-ID rule and the retry backoff.
 */
public final class Routing {
    private static final Pattern PRINTABLE = Pattern.compile("[\\x21-\\x7e]{1,128}");
    private static final Pattern PARAMETER = Pattern.compile("\\{([^}/]+)}");

    private Routing() {}

    /** One operation's route: {@code /items/{id}} matches {@code /items/42} with {@code id=42}. */
    public record Route<T>(String method, String template, Pattern pattern, List<String> names, T operation) {
        static <T> Route<T> of(String method, String template, T operation) {
            StringBuilder re = new StringBuilder("^");
            List<String> names = new ArrayList<>();
            Matcher m = PARAMETER.matcher(template);
            int last = 0;
            while (m.find()) {
                re.append(Pattern.quote(template.substring(last, m.start()))).append("([^/]+)");
                names.add(m.group(1));
                last = m.end();
            }
            re.append(Pattern.quote(template.substring(last))).append("/?$");
            return new Route<>(method, template, Pattern.compile(re.toString()), names, operation);
        }

        /** The path parameters when this route answers {@code method path}, else null. */
        Map<String, String> match(String requestMethod, String path) {
            if (!method.equals(requestMethod)) return null;
            Matcher m = pattern.matcher(path);
            if (!m.matches()) return null;
            Map<String, String> params = new LinkedHashMap<>();
            for (int i = 0; i < names.size(); i++) params.put(names.get(i), m.group(i + 1));
            return params;
        }
    }

    /** The client's request id when it is at most 128 printable characters, else a new UUID. */
    public static String requestId(String given) {
        return given != null && PRINTABLE.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }

    /** The pause before retry {@code attempt} (1-based): exponential, with full jitter when modelled. */
    public static long backoffMs(long baseMs, int attempt, boolean jitter) {
        long backoff = baseMs << Math.min(attempt - 1, 20);
        return jitter ? ThreadLocalRandom.current().nextLong(backoff + 1) : backoff;
    }
}
