"""The Java (Spring Boot) and .NET skeletons: what can be checked without Maven Central or NuGet.

Neither registry is reachable here and .NET is not installable, so these skeletons are not built
or run on this machine (docs/exports.md says so). What is checked: the files are in the bundle;
the pom and the csproj are well-formed with every version exact; the Java sources parse (javac,
parse phase only: Spring Boot, Resilience4j and Micrometer are not in Debian, so they cannot be
compiled) and so do the C# ones (tree-sitter's grammar: no compiler, no type check); the code uses the contract's names (metrics, tables, headers, debug endpoints); the
Dockerfiles build from what the bundle ships, on pinned images, as a non-root user.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from apps.archmodel import Model
from exporters import export_bundle
from tests.support import assert_golden

POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
EXACT = re.compile(r"\d+(\.\d+)+")
# Artifacts whose version the Spring Boot parent's BOM (spring-boot-dependencies) pins.
BOOT_MANAGED = {
    "org.springframework.boot:spring-boot-starter-web",
    "org.springframework.boot:spring-boot-starter-actuator",
    "org.springframework.boot:spring-boot-starter-jdbc",
    "io.micrometer:micrometer-registry-prometheus",
    "io.micrometer:micrometer-tracing-bridge-otel",
    "io.opentelemetry:opentelemetry-exporter-otlp",
    "org.postgresql:postgresql",
    "com.mysql:mysql-connector-j",
    "org.mariadb.jdbc:mariadb-java-client",
    "org.mongodb:mongodb-driver-sync",
    "io.lettuce:lettuce-core",
    "com.rabbitmq:amqp-client",
    "org.apache.kafka:kafka-clients",
}
# The contract's names (docs/skeletons.md), as each runtime spells them in its code.
JAVA_NAMES = [
    '"http.server.requests"',
    '"http.server.request.duration"',
    '"http.client.requests"',
    '"http.client.request.duration"',
    '"circuit.breaker.state"',
    '"events.published"',
    '"events.consumed"',
    '"outbox.pending"',
]
DOTNET_NAMES = [
    '"http_server_requests_total"',
    '"http_server_request_duration_seconds"',
    '"http_client_requests_total"',
    '"http_client_request_duration_seconds"',
    '"circuit_breaker_state"',
    '"events_published_total"',
    '"events_consumed_total"',
    '"outbox_pending"',
]
SHARED_NAMES = [
    "X-Request-ID",
    "x-workbench-fallback",
    "workbench_outbox",
    "workbench_processed",
    "WORKBENCH_DEBUG_ENDPOINTS",
    "DEAD_LETTER_AFTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "/_events/received",
    "/_events/publish/",
    "/_events/fail/",
    "/_calls",
    '"specversion"',
    '"traceparent"',
    '"trace_id"',
    '"span_id"',
    '"request_id"',
    ".dead-letter",
    ".events",
    "short_circuited",
    "dead_lettered",
    "duplicate",
]


def service_files(model: Model, service: str) -> dict[str, bytes]:
    prefix = f"services/{service}/"
    return {
        path[len(prefix) :]: content
        for path, content in export_bundle(model).files.items()
        if path.startswith(prefix)
    }


def text_of(files: dict[str, bytes], suffix: str) -> str:
    return "\n".join(c.decode() for p, c in sorted(files.items()) if p.endswith(suffix))


def test_java_services_get_a_spring_boot_project_reading_spec_json(everything: Model) -> None:
    files = service_files(everything, "javasvc")
    sources = {p for p in files if p.endswith(".java")}
    assert {
        "pom.xml",
        "spec.json",
        "Dockerfile",
        "src/main/resources/application.properties",
    } <= set(files)
    assert {
        f"src/main/java/workbench/skeleton/{name}.java"
        for name in ("Application", "HttpApi", "Calls", "Datastores", "Brokers", "Events")
    } <= sources
    assert "Main.java" not in files  # the stdlib server it replaces
    assert json.loads(files["spec.json"])["service"] == "javasvc"


def test_dotnet_services_get_a_minimal_api_project_reading_spec_json(everything: Model) -> None:
    files = service_files(everything, "dotnetsvc")
    assert {
        "Service.csproj",
        "Program.cs",
        "Calls.cs",
        "Datastores.cs",
        "Brokers.cs",
        "Events.cs",
        "Observability.cs",
        "Spec.cs",
        "spec.json",
        "Dockerfile",
    } <= set(files)
    assert json.loads(files["spec.json"])["subscribes"][0]["group"] == "dn"


def test_the_pom_pins_every_dependency_and_plugin_exactly(everything: Model) -> None:
    root = ET.fromstring(service_files(everything, "javasvc")["pom.xml"])
    props = {
        el.tag.split("}")[1]: (el.text or "") for el in root.find("m:properties", POM_NS) or []
    }

    def version_of(el: ET.Element) -> str | None:
        node = el.find("m:version", POM_NS)
        if node is None or node.text is None:
            return None
        return re.sub(r"\$\{([^}]+)\}", lambda m: props[m.group(1)], node.text.strip())

    parent = root.find("m:parent", POM_NS)
    assert parent is not None
    assert parent.findtext("m:artifactId", namespaces=POM_NS) == "spring-boot-starter-parent"
    assert EXACT.fullmatch(version_of(parent) or ""), "the Boot parent pins the BOM"
    deps = root.findall("m:dependencies/m:dependency", POM_NS)
    assert len(deps) >= 15
    seen = set()
    for dep in deps:
        coords = (
            f"{dep.findtext('m:groupId', namespaces=POM_NS)}:"
            f"{dep.findtext('m:artifactId', namespaces=POM_NS)}"
        )
        seen.add(coords)
        version = version_of(dep)
        if version is None:
            assert coords in BOOT_MANAGED, (
                f"{coords} has no version and the Boot BOM does not pin it"
            )
        else:
            assert EXACT.fullmatch(version), f"{coords}: {version} is not an exact release"
    for needed in (
        "io.github.resilience4j:resilience4j-circuitbreaker",
        "io.github.resilience4j:resilience4j-retry",
        "io.github.resilience4j:resilience4j-timelimiter",
        "io.micrometer:micrometer-registry-prometheus",
        "io.micrometer:micrometer-tracing-bridge-otel",
        "io.nats:jnats",
    ):
        assert needed in seen
    for plugin in root.findall("m:build/m:plugins/m:plugin", POM_NS):
        assert EXACT.fullmatch(version_of(plugin) or ""), plugin.findtext(
            "m:artifactId", namespaces=POM_NS
        )
    assert "SNAPSHOT" not in ET.tostring(root, encoding="unicode")


def test_the_csproj_pins_every_package_exactly_and_asks_for_a_lock_file(everything: Model) -> None:
    root = ET.fromstring(service_files(everything, "dotnetsvc")["Service.csproj"])
    assert root.get("Sdk") == "Microsoft.NET.Sdk.Web"
    assert root.findtext("PropertyGroup/TargetFramework") == "net8.0"
    assert root.findtext("PropertyGroup/RestorePackagesWithLockFile") == "true"
    refs = {r.get("Include"): r.get("Version") for r in root.iter("PackageReference")}
    assert {
        "Polly.Core",
        "prometheus-net.AspNetCore",
        "OpenTelemetry.Extensions.Hosting",
        "OpenTelemetry.Instrumentation.AspNetCore",
        "OpenTelemetry.Instrumentation.Http",
        "OpenTelemetry.Exporter.OpenTelemetryProtocol",
        "Npgsql",
        "MySqlConnector",
        "RabbitMQ.Client",
        "NATS.Net",
        "StackExchange.Redis",
    } <= set(refs)
    for name, version in refs.items():
        assert version and EXACT.fullmatch(version), f"{name}: {version!r} is not an exact version"


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK")
def test_the_java_sources_parse(everything: Model, tmp_path: Path) -> None:
    files = service_files(everything, "javasvc")
    paths = []
    for name, content in files.items():
        if name.endswith(".java"):
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            paths.append(str(path))
    # Parse phase only: the libraries are not available here to compile against.
    result = subprocess.run(
        [
            "javac",
            "-XDshould-stop.ifNoError=PARSE",
            "-XDshould-stop.ifError=PARSE",
            "-d",
            str(tmp_path / "out"),
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK")
def test_the_java_parse_check_does_fail_on_a_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "Broken.java"
    broken.write_text("import org.nowhere.X;\nclass Broken { void f() { new X(; } }\n")
    result = subprocess.run(
        ["javac", "-XDshould-stop.ifNoError=PARSE", "-XDshould-stop.ifError=PARSE", str(broken)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "illegal start of expression" in result.stderr


def csharp_syntax_errors(source: bytes) -> list[str]:
    """Where tree-sitter's C# grammar finds a syntax error (an ERROR or a MISSING node)."""
    tree_sitter = pytest.importorskip("tree_sitter")
    grammar = pytest.importorskip("tree_sitter_c_sharp")
    parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    errors: list[str] = []
    stack = [parser.parse(source).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            row, column = node.start_point
            errors.append(f"line {row + 1}, column {column + 1}: {node.text[:60]!r}")
            continue
        stack.extend(node.children)
    return errors


def test_the_csharp_sources_parse(everything: Model) -> None:
    """No C# compiler installs here: the sources are parsed with tree-sitter's C# grammar."""
    sources = {
        name: content
        for name, content in service_files(everything, "dotnetsvc").items()
        if name.endswith(".cs")
    }
    assert len(sources) >= 7
    errors = {name: e for name, content in sources.items() if (e := csharp_syntax_errors(content))}
    assert not errors


def test_the_csharp_parse_check_does_fail_on_a_syntax_error() -> None:
    assert csharp_syntax_errors(b"class A { void F() { var x = new List<int>(; } }")
    assert not csharp_syntax_errors(b"class A { void F() { var x = new List<int>(); } }")


@pytest.mark.parametrize(
    ("service", "suffix", "names"),
    [("javasvc", ".java", JAVA_NAMES), ("dotnetsvc", ".cs", DOTNET_NAMES)],
)
def test_the_skeletons_use_the_contracts_names(
    everything: Model, service: str, suffix: str, names: list[str]
) -> None:
    code = text_of(service_files(everything, service), suffix)
    missing = [n for n in names + SHARED_NAMES if n not in code]
    assert not missing, f"{service} lacks {missing}"


@pytest.mark.parametrize("service", ["javasvc", "dotnetsvc"])
def test_the_dockerfile_builds_from_what_the_bundle_ships(everything: Model, service: str) -> None:
    files = service_files(everything, service)
    dockerfile = files["Dockerfile"].decode()
    froms = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("FROM ")]
    assert len(froms) == 2  # a build stage and a runtime image without the toolchain
    for image in froms:
        tag = image.rsplit(":", 1)[1]
        assert re.match(r"\d+\.\d+\.\d+", tag) or re.match(r"\d+\.\d+\.\d+_\d+", tag), image
    assert "USER 10001" in dockerfile
    healthcheck = dockerfile.split("HEALTHCHECK", 1)[1].split("CMD ", 1)[1].splitlines()[0]
    assert json.loads(healthcheck)[0] == "curl"  # exec form, no shell
    assert json.loads(dockerfile.rsplit("CMD ", 1)[1])  # exec form
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                source = source.replace("[n]", "n")
                if "*" in source:
                    assert any(
                        re.fullmatch(source.replace(".", r"\.").replace("*", ".*"), p)
                        for p in files
                    )
                elif source.endswith("packages.lock.json"):
                    continue  # optional: restored in locked mode once committed
                else:
                    assert any(p == source or p.startswith(source + "/") for p in files), source


def test_maven_builds_in_the_official_maven_image_and_runs_on_the_jre(everything: Model) -> None:
    dockerfile = service_files(everything, "javasvc")["Dockerfile"].decode()
    assert "FROM maven:3.9." in dockerfile and "eclipse-temurin-21 AS build" in dockerfile
    assert "FROM eclipse-temurin:21.0." in dockerfile and "-jre\n" in dockerfile
    assert "target/service.jar" in dockerfile


def test_dotnet_restores_locked_when_a_lock_file_is_committed(everything: Model) -> None:
    dockerfile = service_files(everything, "dotnetsvc")["Dockerfile"].decode()
    assert "dotnet restore --locked-mode" in dockerfile
    assert "FROM mcr.microsoft.com/dotnet/sdk:8.0." in dockerfile
    assert "FROM mcr.microsoft.com/dotnet/aspnet:8.0." in dockerfile


GOLDEN = Path(__file__).parents[1] / "golden" / "exporters" / "skeletons"


@pytest.mark.parametrize(
    "path",
    ["services/javasvc/Dockerfile", "services/dotnetsvc/Dockerfile", "services/javasvc/pom.xml"],
)
def test_the_jvm_and_dotnet_build_files_match_the_golden_files(
    everything: Model, path: str
) -> None:
    """Regenerate with ``UPDATE_GOLDEN=1`` and review the diff (an image or version bump)."""
    content = export_bundle(everything).files[path]
    golden = GOLDEN / path.replace("/", "__")
    assert_golden(content, golden)


ENV_PROBE = """package workbench.skeleton;

public class EnvProbe {
    public static void main(String[] args) {
        try {
            Env.load();
        } catch (IllegalStateException ex) {
            System.err.println(ex.getMessage());
            System.exit(3);
        }
        for (String key : args) System.out.println(key + "=" + Env.get(key));
        String url = Env.get("DATASTORE_ORDERS_DB_URL");
        if (!url.isEmpty()) System.out.println("parsed=" + Env.Url.parse(url, 5432));
    }
}
"""


def run_java_env(tmp_path: Path, everything: Model, env: dict[str, str], keys: list[str]):  # type: ignore[no-untyped-def]
    """Env.java (JDK only, so it compiles here) loads ``env``; the values of ``keys`` it sees."""
    source = service_files(everything, "javasvc")["src/main/java/workbench/skeleton/Env.java"]
    (tmp_path / "Env.java").write_bytes(source)
    (tmp_path / "EnvProbe.java").write_text(ENV_PROBE)
    subprocess.run(
        ["javac", "-d", "out", "Env.java", "EnvProbe.java"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return subprocess.run(
        ["java", "-cp", "out", "workbench.skeleton.EnvProbe", *keys],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK")
def test_the_java_skeleton_reads_file_variables_and_builds_urls_as_python_does(
    everything: Model, tmp_path: Path, secret_file_env: dict[str, str]
) -> None:
    env = dict(secret_file_env)
    keys = [
        "DATASTORE_ORDERS_DB_URL",
        "BROKER_CACHE_URL",
        "BROKER_BUS_URL",
        "API_KEYS",
        "SSL_CERT",
        "SERVICE_PAYMENTS_URL",
    ]
    result = run_java_env(tmp_path, everything, env, keys)
    assert result.returncode == 0, result.stderr
    seen = dict(line.split("=", 1) for line in result.stdout.splitlines())
    # what the JDBC pool gets: the password decoded again
    assert seen.pop("parsed") == (
        "Url[scheme=postgresql, host=orders-db, port=5432, user=orders_db, password=s3cr/t:@x,"
        " path=orders_db]"
    )
    # the same values the Python skeleton builds (test_skeleton.py)
    assert seen == {
        "DATASTORE_ORDERS_DB_URL": "postgresql://orders_db:s3cr%2Ft%3A%40x@orders-db:5432/orders_db",
        "BROKER_CACHE_URL": "redis://:s3cr%2Ft%3A%40x@cache:6379/0",
        "BROKER_BUS_URL": "amqp://guest:guest@127.0.0.1:5672/",
        "API_KEYS": "k1,k2",
        "SSL_CERT": "",
        "SERVICE_PAYMENTS_URL": "http://payments:8080",
    }


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK")
def test_an_unreadable_secret_file_stops_the_java_skeleton(
    everything: Model, tmp_path: Path
) -> None:
    result = run_java_env(
        tmp_path, everything, {"DB_PASSWORD_FILE": str(tmp_path / "missing")}, ["DB_PASSWORD"]
    )
    assert result.returncode == 3 and "DB_PASSWORD_FILE: cannot read" in result.stderr


ROUTING_PROBE = """package workbench.skeleton;

import java.util.List;

public class RoutingProbe {
    public static void main(String[] args) {
        Routing.Route<String> items = Routing.Route.of("GET", "/api/orders/items/{id}/lines/{line}", "op");
        System.out.println("match=" + items.match("GET", "/api/orders/items/42/lines/7"));
        System.out.println("slash=" + items.match("GET", "/api/orders/items/42/lines/7/"));
        System.out.println("method=" + items.match("POST", "/api/orders/items/42/lines/7"));
        System.out.println("deeper=" + items.match("GET", "/api/orders/items/4/2/lines/7"));
        Routing.Route<String> dotted = Routing.Route.of("GET", "/v1.0/a+b", "op");
        System.out.println("literal=" + dotted.match("GET", "/v1.0/a+b") + " " + dotted.match("GET", "/v1x0/aab"));
        System.out.println("kept=" + Routing.requestId("client-id-1"));
        System.out.println("long=" + Routing.requestId("x".repeat(129)).length());
        System.out.println("space=" + Routing.requestId("has space").length());
        System.out.println("none=" + Routing.requestId(null).length());
        System.out.println("backoff=" + List.of(Routing.backoffMs(100, 1, false), Routing.backoffMs(100, 2, false),
                Routing.backoffMs(100, 3, false)));
        long max = 0;
        for (int i = 0; i < 1000; i++) max = Math.max(max, Routing.backoffMs(100, 3, true));
        System.out.println("jitter_max=" + max);
    }
}
"""


@pytest.mark.skipif(shutil.which("javac") is None, reason="no JDK")
def test_the_java_skeleton_routes_operations_checks_request_ids_and_backs_off(
    everything: Model, tmp_path: Path
) -> None:
    """Routing.java needs only the JDK: compiled and run here."""
    source = service_files(everything, "javasvc")["src/main/java/workbench/skeleton/Routing.java"]
    (tmp_path / "Routing.java").write_bytes(source)
    (tmp_path / "RoutingProbe.java").write_text(ROUTING_PROBE)
    subprocess.run(
        ["javac", "-d", "out", "Routing.java", "RoutingProbe.java"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = subprocess.run(
        ["java", "-cp", "out", "workbench.skeleton.RoutingProbe"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    seen = dict(line.split("=", 1) for line in result.stdout.splitlines())
    assert seen["match"] == "{id=42, line=7}" and seen["slash"] == "{id=42, line=7}"
    assert seen["method"] == "null" and seen["deeper"] == "null"
    assert seen["literal"] == "{} null"  # . and + are literal, not regex
    assert seen["kept"] == "client-id-1"
    assert seen["long"] == seen["space"] == seen["none"] == "36"  # a new UUID
    assert seen["backoff"] == "[100, 200, 400]"
    assert 0 < int(seen["jitter_max"]) <= 400


JACKSON = [
    Path("/usr/share/java") / f"jackson-{n}.jar" for n in ("core", "databind", "annotations")
]
ENVELOPE_PROBE = """package workbench.skeleton;

import java.nio.charset.StandardCharsets;

public class EnvelopeProbe {
    public static void main(String[] args) throws Exception {
        var data = Spec.JSON.readTree("{\\"order\\": 42}");
        System.out.println(Envelope.build("urn:workbench:front", "thing-happened",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null, data));
        System.out.println(Envelope.build("urn:workbench:front", "thing-happened", null, null, data));
        for (String body : args) System.out.println(Envelope.read(body.getBytes(StandardCharsets.UTF_8)));
    }
}
"""


@pytest.mark.skipif(
    shutil.which("javac") is None or not all(j.exists() for j in JACKSON),
    reason="needs a JDK and Debian's libjackson2-databind-java",
)
def test_the_java_skeletons_envelope_is_the_one_every_runtime_reads(
    everything: Model, tmp_path: Path
) -> None:
    """Envelope.java (JDK + Jackson, both from Debian) compiled and run: what it writes and reads."""
    files = service_files(everything, "javasvc")
    for name in ("Env", "Spec", "Envelope"):
        (tmp_path / f"{name}.java").write_bytes(
            files[f"src/main/java/workbench/skeleton/{name}.java"]
        )
    (tmp_path / "EnvelopeProbe.java").write_text(ENVELOPE_PROBE)
    classpath = ":".join(str(j) for j in JACKSON)
    sources = ["Env.java", "Spec.java", "Envelope.java", "EnvelopeProbe.java"]
    subprocess.run(
        ["javac", "-cp", classpath, "-d", "out", *sources],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=120,
    )
    python_envelope = json.dumps(
        {
            "specversion": "1.0",
            "id": "e-1",
            "type": "t",
            "data": {"x": 1},
            "traceparent": "00-a-b-01",
        }
    )
    result = subprocess.run(
        [
            "java",
            "-cp",
            f"out:{classpath}",
            "workbench.skeleton.EnvelopeProbe",
            *(python_envelope, '{"plain": true}', "not json", "[1, 2]"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    traced, untraced, envelope, plain, text, array = map(json.loads, result.stdout.splitlines())
    assert set(traced) == {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "datacontenttype",
        "traceparent",
        "data",
    }
    assert traced["specversion"] == "1.0" and traced["type"] == "thing-happened"
    assert traced["source"] == "urn:workbench:front" and traced["data"] == {"order": 42}
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", traced["id"]
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", traced["time"])
    assert traced["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert "traceparent" not in untraced and untraced["id"] != traced["id"]
    assert envelope == json.loads(python_envelope)  # another runtime's envelope, read as is
    assert plain == {"data": {"plain": True}}
    assert text == {"data": "not json"}
    assert array == {"data": [1, 2]}
