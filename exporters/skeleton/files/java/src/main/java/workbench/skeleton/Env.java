package workbench.skeleton;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The process environment with secrets read from files (docs/skeletons.md, Configuration).
 *
 * <p>Every {@code <NAME>_FILE} variable whose NAME ends in PASSWORD, SECRET, TOKEN, KEY, KEYS or
 * URL is read into NAME (a file wins over a plain variable; an unreadable file stops the start);
 * then {@code <PREFIX>_PASSWORD} is put, percent-encoded, into each {@code <PREFIX>_URL} that has
 * no password. Java cannot change its own environment, so the code reads through {@link #get}.
 */
public final class Env {
    private static final Pattern SECRET_FILE =
            Pattern.compile("[A-Z0-9_]*(PASSWORD|SECRET|TOKEN|KEYS?|URL)_FILE");
    private static final Map<String, String> VALUES = new HashMap<>(System.getenv());

    private Env() {}

    static void load() {
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            if (!SECRET_FILE.matcher(e.getKey()).matches()) continue;
            String name = e.getKey().substring(0, e.getKey().length() - 5);
            try {
                VALUES.put(name, Files.readString(Path.of(e.getValue())).strip());
            } catch (IOException ex) {
                throw new IllegalStateException(e.getKey() + ": cannot read " + e.getValue() + ": " + ex);
            }
        }
        for (String key : VALUES.keySet().toArray(new String[0])) {
            if (!key.endsWith("_URL")) continue;
            String password = VALUES.get(key.substring(0, key.length() - 4) + "_PASSWORD");
            String url = VALUES.get(key);
            int scheme = url.indexOf("://");
            if (password == null || password.isEmpty() || scheme < 0) continue;
            int start = scheme + 3;
            int end = url.indexOf('/', start);
            String authority = url.substring(start, end < 0 ? url.length() : end);
            int at = authority.lastIndexOf('@');
            String userinfo = at < 0 ? "" : authority.substring(0, at);
            String host = authority.substring(at + 1);
            if (host.isEmpty() || host.startsWith(":") || userinfo.contains(":")) continue; // no host, or a password already
            VALUES.put(key, url.substring(0, start) + userinfo + ":" + percentEncode(password) + "@" + host
                    + (end < 0 ? "" : url.substring(end)));
        }
    }

    /** Every byte but the unreserved characters (RFC 3986) percent-encoded, as Python's quote(safe=""). */
    static String percentEncode(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    public static String get(String name) {
        String value = VALUES.get(name);
        return value == null ? "" : value;
    }

    public static String get(String name, String otherwise) {
        String value = get(name);
        return value.isEmpty() ? otherwise : value;
    }

    /** A URL's parts; the password stays percent-decoded only in memory. */
    public record Url(String scheme, String host, int port, String user, String password, String path) {
        static Url parse(String url, int defaultPort) {
            URI uri = URI.create(url);
            String user = "";
            String password = "";
            if (uri.getRawUserInfo() != null) {
                String[] parts = uri.getRawUserInfo().split(":", 2);
                user = decode(parts[0]);
                password = parts.length > 1 ? decode(parts[1]) : "";
            }
            String path = uri.getPath() == null ? "" : uri.getPath().replaceFirst("^/", "");
            return new Url(uri.getScheme(), uri.getHost(), uri.getPort() < 0 ? defaultPort : uri.getPort(),
                    user, password, path);
        }

        private static String decode(String s) {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        }
    }
}
