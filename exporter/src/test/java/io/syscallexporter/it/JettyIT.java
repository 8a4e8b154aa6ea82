package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real server under a real client: Jetty 12 from Maven Central serving files
 * (src/test/resources/jetty/FileServer.java), with our agent and Prometheus' jmx_exporter agent
 * in its JVM, under load from wrk. Started twice: once with jmx_exporter's minimal config, once
 * with our rules (config/jmx_exporter.yml).
 */
class JettyIT {
  static final Path SOURCE = Path.of("src/test/resources/jetty/FileServer.java").toAbsolutePath();
  static final String JETTY = System.getProperty("jetty.deps", "target/jetty-deps") + "/*";
  static final Path RULES = Path.of("../config/jmx_exporter.yml").toAbsolutePath();
  static final String WORKERS = "qtp*-*";
  static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");

  @TempDir
  static Path dir;
  static Path www;
  static int jettyPort;

  @BeforeAll
  static void kernelWrkAndFiles() throws IOException {
    KernelRequired.check();
    KernelRequired.tool("wrk");
    www = Files.createDirectories(dir.resolve("www"));
    Files.write(www.resolve("file.bin"), new byte[64 * 1024]);
    // One port for both starts: the acceptor's name holds it, and must come out the same.
    jettyPort = ExporterProcess.freePort();
  }

  /** One start of the server with both agents; closing it stops the server. */
  static final class Server implements AutoCloseable {
    final Process process;
    final Path stderr;
    /**
     * Ports apart from each other and from Jetty's: two free ports asked one after the other
     * may be the same one, and Jetty's is free between its starts. An agent's server on Jetty's
     * port would leave the other to answer there, with a 404.
     */
    final int ours = ExporterProcess.freePortOtherThan(jettyPort);
    final int jmxExporter = ExporterProcess.freePortOtherThan(ours, jettyPort);

    Server(Path jmxExporterConfig) throws Exception {
      stderr = Files.createTempFile(dir, "jetty", ".err");
      Java25.require(Path.of(JavaService.JAVA).toAbsolutePath());
      List<String> cmd = new ArrayList<>(List.of(
          JavaService.JAVA,
          "-javaagent:" + ExporterProcess.JAR + "=--web.listen-address=127.0.0.1:" + ours,
          "-javaagent:" + AgentIT.JMX_EXPORTER + "=127.0.0.1:" + jmxExporter + ":"
              + jmxExporterConfig,
          "-cp", JETTY, SOURCE.toString(), www.toString(), Integer.toString(jettyPort)));
      process = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("jetty's first line; stderr:\n%s", stderr()).startsWith("jetty ready");
      try {
        awaitTrue("our agent serves", 60, () -> get(ours) != null);
        awaitTrue("jmx_exporter serves", 60, () -> get(jmxExporter) != null);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; the last answer: " + lastAnswer
            + "; the server's stderr:\n" + stderr(), e);
      }
      // The agent names threads within a second, but threads whose comms another pool shares
      // (a 10-digit hash leaves "qtp1234567890-3" of every name) only from its thread dump,
      // at most every 5 s: until then the acceptor counts under its comm's pool. Each new
      // connection makes it return from accept once more.
      awaitTrue("the acceptor is named", 30, () -> {
        new Socket("127.0.0.1", jettyPort).close();
        return jettyPools(scrape(ours)).stream().anyMatch(t -> t.contains("-acceptor-"));
      });
    }

    MetricsText scrape(int port) {
      return new MetricsText(get(port));
    }

    String stderr() throws IOException {
      return Files.readString(stderr);
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close(); // the server stops when its stdin ends
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  /** What the last {@link #get} that failed got, for a failure's message. */
  private static volatile String lastAnswer = "none";

  static String get(int port) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30))
          .build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        lastAnswer = "port " + port + ": HTTP " + r.statusCode() + " " + r.body();
        return null;
      }
      return r.body();
    } catch (IOException e) {
      lastAnswer = "port " + port + ": " + e;
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** wrk for 3 s over 8 connections; the requests it completed. */
  static long load() throws Exception {
    Process wrk = new ProcessBuilder("wrk", "-t2", "-c8", "-d3s",
        "http://127.0.0.1:" + jettyPort + "/file.bin").redirectErrorStream(true).start();
    String out = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(wrk.waitFor(60, TimeUnit.SECONDS)).isTrue();
    Matcher m = REQUESTS.matcher(out);
    assertThat(m.find()).as("wrk's output:\n%s", out).isTrue();
    assertThat(out).as("wrk's output").doesNotContain("Non-2xx");
    return Long.parseLong(m.group(1));
  }

  /** Our thread labels of the Jetty pools (qtp...), with their read counts. */
  static Set<String> jettyPools(MetricsText m) {
    return m.samples("syscall_duration_seconds_count").stream()
        .map(s -> s.labels().get("thread")).filter(t -> t.startsWith("qtp"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The syscall the workers made most often under load: the one the two sides must agree on. */
  static String busiest(MetricsText m) {
    return m.samples("syscall_duration_seconds_count").stream()
        .filter(s -> WORKERS.equals(s.labels().get("thread")))
        .filter(s -> Set.of("read", "write", "writev", "sendfile", "pread64")
            .contains(s.labels().get("syscall")))
        .max((a, b) -> Double.compare(a.value(), b.value())).orElseThrow().labels()
        .get("syscall");
  }

  @Test
  void jettyUnderWrkIsCountedByPoolAlikeInEveryStartAndInJmxExporter() throws Exception {
    Path minimal = dir.resolve("minimal.yml");
    Files.writeString(minimal, "rules:\n  - pattern: \".*\"\n");
    Set<String> firstPools;
    try (Server jetty = new Server(minimal)) {
      long requests = load();
      assertThat(requests).as("requests served").isGreaterThan(1000);
      MetricsText ours = jetty.scrape(jetty.ours);
      firstPools = jettyPools(ours);
      // The workers under their pool, the acceptor under its own, without the hashes and the
      // pool thread's number its name holds: its accepts are the connections, not requests.
      assertThat(firstPools).hasSize(2).contains(WORKERS);
      String acceptor = firstPools.stream().filter(t -> !t.equals(WORKERS)).findFirst().get();
      assertThat(acceptor).matches(Pattern.quote("qtp*-*-acceptor-0@*-") + ".*"
          + Pattern.quote("ServerConnector@*{HTTP/1.1, (http/1.1)}{127.0.0.1:" + jettyPort + "}"));
      assertThat(ours.value("syscall_duration_seconds_count", "process", "java", "syscall",
          "accept", "thread", acceptor)).isBetween(8.0, 100.0);
      String syscall = busiest(ours);
      assertThat(ours.value("syscall_duration_seconds_count", "process", "java", "syscall",
          syscall, "thread", WORKERS)).isGreaterThanOrEqualTo(requests);

      // jmx_exporter's default naming: a metric name per MBean attribute, the labels as labels.
      String quoted = "\"qtp\\*-\\*\""; // how JMX quotes the pool's name
      awaitTrue("jmx_exporter's count equals ours", 30, () -> {
        MetricsText now = jetty.scrape(jetty.ours);
        Double jmx = jetty.scrape(jetty.jmxExporter).find(
            "syscall_exporter_syscall_duration_nanoseconds_Count", "process", "java", "syscall",
            syscall, "thread", quoted);
        return jmx != null && jmx == now.value("syscall_duration_seconds_count", "process",
            "java", "syscall", syscall, "thread", WORKERS);
      });
      MetricsText jmx = jetty.scrape(jetty.jmxExporter);
      List<String> names = jmx.names().stream().filter(n -> n.startsWith("syscall_exporter"))
          .sorted().toList();
      // A name per MBean attribute: the 12 of Dropwizard's histogram, and the two counters'.
      assertThat(names).as("metric names from our domain").containsExactlyInAnyOrder(
          Stream.concat(Stream.of("Count", "Min", "Max", "Mean", "StdDev", "50thPercentile",
              "75thPercentile", "95thPercentile", "98thPercentile", "99thPercentile",
              "999thPercentile", "SnapshotSize").map(a -> "syscall_exporter_syscall_duration_nanoseconds_" + a),
              Stream.of("syscall_exporter_syscall_slow_Count", "syscall_exporter_syscall_timed_out_Count"))
          .toArray(String[]::new));
      System.out.println("jmx_exporter, minimal config:\n" + jmx.samples(
          "syscall_exporter_syscall_duration_nanoseconds_Count").stream()
          .filter(s -> s.labels().get("thread").startsWith("\"qtp")).map(Object::toString)
          .collect(Collectors.joining("\n")));
    }

    try (Server jetty = new Server(RULES)) {
      long requests = load();
      MetricsText ours = jetty.scrape(jetty.ours);
      // Started again, the same labels: no hash or thread number in them.
      assertThat(jettyPools(ours)).isEqualTo(firstPools);
      String syscall = busiest(ours);
      assertThat(ours.value("syscall_duration_seconds_count", "process", "java", "syscall",
          syscall, "thread", WORKERS)).isGreaterThanOrEqualTo(requests);

      // Our rules: our names, our units, our label values, the acceptor's four * included.
      awaitTrue("jmx_exporter with our rules gives our count", 30, () -> {
        MetricsText now = jetty.scrape(jetty.ours);
        MetricsText jmx = jetty.scrape(jetty.jmxExporter);
        for (String thread : firstPools) {
          for (MetricsText.Sample s : now.samples("syscall_duration_seconds_count")) {
            if (thread.equals(s.labels().get("thread"))
                && Set.of("accept", syscall).contains(s.labels().get("syscall"))) {
              Double theirs = jmx.find("syscall_duration_seconds_count", "process", "java",
                  "syscall", s.labels().get("syscall"), "thread", thread);
              if (theirs == null || theirs != s.value()) {
                return false;
              }
            }
          }
        }
        return true;
      });
      MetricsText jmx = jetty.scrape(jetty.jmxExporter);
      assertThat(jmx.names()).noneMatch(n -> n.startsWith("syscall_exporter"));
      double p99 = jmx.value("syscall_duration_seconds", "process", "java", "syscall", syscall,
          "thread", WORKERS, "quantile", "0.99");
      assertThat(p99).as("99th percentile, in seconds").isPositive().isLessThan(1.0);
      assertThat(jmx.find("syscall_slow_total", "process", "java", "syscall", syscall,
          "thread", WORKERS)).isNotNull();
      assertThat(jmx.find("syscall_timed_out", "process", "java", "syscall", syscall,
          "thread", WORKERS)).isZero();
      System.out.println("jmx_exporter, config/jmx_exporter.yml:\n" + jmx.samples().stream()
          .filter(s -> s.name().startsWith("syscall_")
              && String.valueOf(s.labels().get("thread")).startsWith("qtp"))
          .map(Object::toString).collect(Collectors.joining("\n")));
      assertThat(jetty.stderr()).contains("syscall_exporter agent started")
          .doesNotContain("level=warn");
    }
  }
}
