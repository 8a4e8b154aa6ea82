package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The syscall series on a service's own metrics endpoint, with one -javaagent flag: real Spring
 * Boot 3 and 2 fat jars (actuator, Micrometer's Prometheus registry, from Maven Central) and a
 * plain client_java HTTPServer service, each with the agent standalone and joined to a host
 * exporter. Each endpoint counts the service's 4 x 1,000 reads exactly, in the text and the
 * OpenMetrics formats, beside the service's own metrics, promtool-clean; a joined JVM's series
 * leave the host exporter's /metrics once its endpoint is scraped; the JVM dashboard answers
 * from a real Prometheus scraping the actuator.
 */
class ServiceEndpointIT {
  static final String OPENMETRICS = MetricsText.OPENMETRICS;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static SharedDir shared;
  static Path file;
  static ExporterProcess host;

  @TempDir
  Path dir;

  @BeforeAll
  static void hostExporter() throws Exception {
    KernelRequired.check();
    shared = SharedDir.create("syscall-exporter-endpoint");
    file = shared.data();
    host = ExporterProcess.start("--agent.socket=" + shared.socket(), "--drain.interval=1s");
  }

  @AfterAll
  static void stop() throws Exception {
    if (host != null) {
      host.close();
    }
    if (shared != null) {
      shared.delete();
    }
  }

  static Path springBoot(int major) {
    Path jar = Path.of("target/spring-boot-" + major + "/service.jar").toAbsolutePath();
    assertThat(jar).as("built by the pre-integration-test phase").isRegularFile();
    return jar;
  }

  static List<String> actuator() {
    return List.of("--server.port=0", "--management.endpoints.web.exposure.include=prometheus");
  }

  /** Standalone: its own programs, its own port; joined: the host exporter measures it. */
  static String agentFlags(boolean joined, String name, String more) {
    String flags = joined ? "--agent.socket=" + shared.socket() + ",--agent.name=" + name
        : "--agent.socket=,--web.listen-address=127.0.0.1:0";
    return more.isEmpty() ? flags : flags + "," + more;
  }

  @ParameterizedTest(name = "Spring Boot {0}, joined={1}")
  @CsvSource({"3, false, client_java", "3, true, client_java", "2, false, simpleclient",
      "2, true, simpleclient"})
  void springBootsActuatorCountsTheServicesCalls(int boot, boolean joined, String client)
      throws Exception {
    String name = "boot" + boot + (joined ? "-joined" : "");
    try (JavaService service = JavaService.startJar(springBoot(boot),
        agentFlags(joined, name, ""), actuator())) {
      String url = "http://127.0.0.1:" + service.said("port") + "/actuator/prometheus";
      if (joined) {
        awaitLeftOutOfTheHost(url, name);
      }
      service.command("io 4 1000 " + file, "io done");
      assertCountsReads(url, joined ? name : "java", "jvm_threads_live_threads");
      assertThat(service.stderr()).contains("syscall series on the service's metrics endpoint",
          "client=" + client);
      if (boot == 3) { // client_java 1.x: native buckets too, in the protobuf format
        assertNativeBucketsCountReads(url, joined ? name : "java");
      }
      if (joined) {
        assertNotOnTheHost(name);
      }
    }
  }

  @ParameterizedTest(name = "joined={0}, --agent.host-series={1}")
  @CsvSource({"false, false", "true, false", "true, true"})
  void aPlainClientJavaServiceCountsItsCalls(boolean joined, boolean hostSeries)
      throws Exception {
    String name = "plain" + (joined ? "-joined" : "") + (hostSeries ? "-both" : "");
    try (JavaService service = JavaService.start(List.of(), List.of("-Dio.http-port=0"),
        agentFlags(joined, name, "--agent.host-series=" + hostSeries))) {
      String url = "http://127.0.0.1:" + service.said("http") + "/metrics";
      if (joined && !hostSeries) {
        awaitLeftOutOfTheHost(url, name);
      }
      service.command("io 4 1000 " + file, "io done");
      assertCountsReads(url, joined ? name : "java", "requests_total");
      if (joined && !hostSeries) {
        assertNotOnTheHost(name);
      } else if (joined) { // asked for both: in each job (never sum over the two)
        assertThat(host.scrape().value("syscall_duration_seconds_count", "process", name,
            "syscall", "read", "thread", "io-worker-*")).isEqualTo(4000);
        assertThat(host.log().lines().filter(l -> l.contains("left out here")))
            .noneMatch(l -> l.endsWith("name=" + name));
      }
    }
  }

  @Test
  void attachedToARunningSpringBootItFindsTheActuatorsRegistry() throws Exception {
    try (JavaService service = JavaService.startJar(springBoot(3), null, actuator())) {
      String url = "http://127.0.0.1:" + service.said("port") + "/actuator/prometheus";
      ExporterProcess.Exit attach = ExporterProcess.runToExit("attach",
          Long.toString(service.pid()), "--agent.socket=", "--web.listen-address=127.0.0.1:0");
      assertThat(attach.code()).as(attach.stderr()).isZero();
      // Its classes were loaded before the agent was: found among those already loaded.
      awaitTrue("on the actuator", 30, () -> get(url, null).contains("syscall_duration_seconds"));
      service.command("io 4 1000 " + file, "io done");
      assertCountsReads(url, "java", "jvm_threads_live_threads");
    }
  }

  @Test
  void turnedOffTheActuatorHasNone() throws Exception {
    try (JavaService service = JavaService.startJar(springBoot(3),
        agentFlags(false, "", "--agent.service-endpoint=false"), actuator())) {
      String url = "http://127.0.0.1:" + service.said("port") + "/actuator/prometheus";
      service.command("io 4 1000 " + file, "io done");
      Thread.sleep(2000); // two refreshes, were it on
      assertThat(get(url, null)).contains("jvm_threads_live_threads")
          .doesNotContain("syscall_");
    }
  }

  @Test
  void theJvmDashboardAnswersFromTheActuator() throws Exception {
    HangFs fs = HangFs.mount(3600);
    try (JavaService service = JavaService.startJar(springBoot(3),
        agentFlags(false, "", "--syscall.timeout=1s,--scan.interval=200ms"), actuator())) {
      service.command("io 4 1000 " + file, "io done");
      service.command("hang " + fs.slowFile(), "hang started");
      int port = Integer.parseInt(service.said("port"));
      awaitTrue("the stuck read on the actuator", 30, () -> new MetricsText(get(
          "http://127.0.0.1:" + port + "/actuator/prometheus", null)).find("syscall_timed_out",
          "process", "java", "syscall", "read", "thread", "fuse-reader-*") != null);
      Prometheus.assertPanelsHaveData(Path.of("../grafana-dashboards/jvm.json"), port,
          "/actuator/prometheus", dir);
    } finally {
      fs.close(); // first: until it goes, the stuck read holds off even SIGKILL
    }
  }

  /** Both formats count the reads exactly, beside the service's own metric, promtool-clean. */
  private void assertCountsReads(String url, String process, String ownMetric)
      throws Exception {
    String[] labels = {"process", process, "syscall", "read", "thread", "io-worker-*"};
    awaitTrue("4,000 reads on " + url, 30, () -> Double.valueOf(4000)
        .equals(new MetricsText(get(url, null)).find("syscall_duration_seconds_count", labels)));
    String text = get(url, null);
    assertThat(new MetricsText(text).names()).contains(ownMetric);
    assertThat(new MetricsText(get(url, OPENMETRICS)).value("syscall_duration_seconds_count",
        labels)).isEqualTo(4000);
    Path scraped = Files.writeString(dir.resolve("scraped.txt"), text);
    List<String> cmd = new ArrayList<>(List.of("sh", "-c",
        "promtool check metrics < " + scraped + " 2>&1 || true"));
    String lint = TestBinaries.run(cmd.toArray(String[]::new));
    assertThat(lint.lines().filter(l -> l.startsWith("syscall_"))).as(lint).isEmpty();
  }

  /** The actuator's protobuf answer: the reads in the native buckets, exactly. */
  private static void assertNativeBucketsCountReads(String url, String process)
      throws Exception {
    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .header("Accept", MetricsText.PROTOBUF).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    Metrics.Histogram found = MetricsText.protobufHistogram(r.body(),
        "syscall_duration_seconds", "process=" + process, "syscall=read", "thread=io-worker-*");
    assertThat(found.getSampleCount()).isEqualTo(4000);
    long inBuckets = found.getZeroCount();
    for (long[] bucket : SyscallLatencyIT.nativeBuckets(found)) {
      inBuckets += bucket[1];
    }
    assertThat(inBuckets).as("native buckets").isEqualTo(4000);
    assertThat(found.getSchema()).isEqualTo(2);
  }

  /**
   * Once the service's endpoint is scraped (here, by the test), the host exporter is told that
   * the JVM's series are there, and leaves them out of its own: no call counted in two jobs.
   */
  private static void awaitLeftOutOfTheHost(String url, String name) throws Exception {
    awaitTrue("the host told", 30, () -> get(url, null).contains("syscall_duration_seconds")
        && host.log().contains("left out here\" pid=") && host.log().lines().anyMatch(
            l -> l.contains("left out here") && l.contains("name=" + name)));
  }

  /** The reads made since the host was told are on the service's endpoint only. */
  private static void assertNotOnTheHost(String name) throws Exception {
    host.scrape(); // a scrape adds what the kernel holds now: the reads would be in it
    assertThat(host.scrape().find("syscall_duration_seconds_count", "process", name, "syscall",
        "read", "thread", "io-worker-*")).as("the reads on the host").isNull();
  }

  static String get(String url, String accept) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(30));
    if (accept != null) {
      r.header("Accept", accept);
    }
    HttpResponse<String> response = HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }
}
