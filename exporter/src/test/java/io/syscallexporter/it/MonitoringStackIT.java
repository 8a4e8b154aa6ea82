package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The bundled monitoring stack end to end: Debian's Prometheus and Alertmanager on loopback with
 * the bundled prometheus.yml, rules and alertmanager.yml (only ports and paths rewritten), the
 * exporter, and a read that really hangs. Every dashboard query returns data; the timed-out
 * alert reaches Alertmanager with its labels and annotations, and is held when the hang ends.
 */
class MonitoringStackIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void dashboardsHaveDataAndTheTimedOutAlertFiresAndHolds() throws Exception {
    KernelRequired.check();
    Path work = Files.createTempDirectory("stack");
    int promPort = ExporterProcess.freePort();
    int amPort = ExporterProcess.freePortOtherThan(promPort);
    HangFs fs = HangFs.mount(3600);
    List<Process> processes = new ArrayList<>();
    try (ExporterProcess exporter = ExporterProcess.start("--syscall.timeout=2s",
        "--scan.interval=500ms")) {
      String promConfig = Files.readString(REPO.resolve("prometheus.yml"))
          .replace("127.0.0.1:9548", "127.0.0.1:" + exporter.port)
          .replace("127.0.0.1:9093", "127.0.0.1:" + amPort)
          .replace("- alerts/", "- " + REPO.resolve("alerts") + "/");
      Files.writeString(work.resolve("prometheus.yml"), promConfig);
      processes.add(start(work.resolve("alertmanager.log"), "prometheus-alertmanager",
          "--config.file=" + REPO.resolve("alerts/alertmanager.yml"),
          "--storage.path=" + work.resolve("am"), "--cluster.listen-address=",
          "--web.listen-address=127.0.0.1:" + amPort));
      processes.add(start(work.resolve("prometheus.log"), "prometheus",
          "--config.file=" + work.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + work.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:" + promPort));
      String prom = "http://127.0.0.1:" + promPort;
      String am = "http://127.0.0.1:" + amPort;

      // A read that hangs until the FUSE server goes away.
      Workload reader = Workload.start(Workload.uniqueName("st"), "read",
          fs.slowFile().toString());
      Workload.run(Workload.uniqueName("sb"), "getppid", "1000");

      // Two scrapes of the stuck call, the rule's `for: 30s`, and Alertmanager's group_wait.
      awaitTrue("SyscallsTimedOut in Alertmanager", 150,
          () -> get(am + "/api/v2/alerts?active=true").contains(reader.name));
      Map<String, Object> alert = Json.list(Json.parse(get(am + "/api/v2/alerts?active=true")))
          .stream().map(Json::map)
          .filter(a -> reader.name.equals(Json.map(a.get("labels")).get("process")))
          .findFirst().orElseThrow();
      assertThat(Json.map(alert.get("labels"))).containsEntry("alertname", "SyscallsTimedOut")
          .containsEntry("severity", "critical").containsEntry("syscall", "read")
          .containsEntry("job", "syscall_exporter");
      assertThat(Json.map(alert.get("annotations")))
          .containsEntry("summary", reader.name + " is stuck in read on 127.0.0.1:" + exporter.port)
          .containsEntry("runbook_url", "alerts/runbook.md#syscallstimedout")
          .containsKey("description");

      // While the call hangs, every panel and variable query of every host dashboard returns data.
      for (Path file : Dashboards.files()) {
        if (file.endsWith("jvm.json")) {
          continue; // an agent's dashboard: AgentIT runs it against an agent
        }
        Prometheus.assertQueriesHaveData(prom, file, Map.of("$job", "syscall_exporter",
            "$instance", "127.0.0.1:" + exporter.port, "$process", reader.name,
            "$syscall", ".*", "$cgroup", ".*"), 0);
      }

      // The hang ends: the FUSE server dies, the kernel aborts its requests and the read
      // fails. Prometheus sees the gauge drop to 0; the alert holds for the rule's
      // keep_firing_for (3m) rather than resolving at once, so a restart's gap cannot resolve it.
      // When it resolves is AlertContinuityIT's to check, with the rule's times scaled down.
      fs.kill();
      assertThat(reader.exitsWithin(30)).as("the read returned").isTrue();
      String gauge = "/api/v1/query?query=" + URLEncoder.encode(
          "count(syscall_timed_out{process=\"" + reader.name + "\"} > 0) or vector(0)",
          StandardCharsets.UTF_8);
      awaitTrue("the gauge at 0 in Prometheus", 60,
          () -> get(prom + gauge).contains("\"0\"]"));
      assertThat(get(am + "/api/v2/alerts?active=true")).as("held by keep_firing_for")
          .contains(reader.name);
    } finally {
      for (Process p : processes) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      fs.close();
    }
  }

  private static Process start(Path log, String... cmd) throws Exception {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private String get(String url) {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (Exception e) {
      return "";
    }
  }
}
