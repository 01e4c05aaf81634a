package workbench.skeleton;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The model as this one service sees it: spec.json, read once at start-up ({@code SPEC_PATH},
 * default ./spec.json). Everything model-specific comes from here, never from generated source.
 */
public final class Spec {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static JsonNode root;

    private Spec() {}

    static void load() {
        Path path = Path.of(Env.get("SPEC_PATH", "spec.json"));
        try {
            root = JSON.readTree(path.toFile());
        } catch (IOException ex) {
            throw new IllegalStateException("cannot read " + path.toAbsolutePath() + ": " + ex.getMessage());
        }
    }

    public static JsonNode root() {
        return root;
    }

    public static String service() {
        return root.path("service").asText();
    }

    public static List<JsonNode> list(String key) {
        List<JsonNode> out = new ArrayList<>();
        root.path(key).forEach(out::add);
        return out;
    }

    public static JsonNode observability() {
        return root.path("observability");
    }

    public static boolean debug() {
        return "1".equals(Env.get("WORKBENCH_DEBUG_ENDPOINTS"));
    }
}
