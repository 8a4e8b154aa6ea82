package io.syscallexporter.it;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Debian's Prometheus scraping one target every second, to run a dashboard's queries against. */
final class Prometheus {
  private Prometheus() {}

  /**
   * Scrapes the target on {@code port} and asserts that every panel query of {@code dashboard},
   * and every variable's, returns data, with every variable matching all.
   */
  static void assertPanelsHaveData(Path dashboard, int port, Path work) throws Exception {
    int promPort = ExporterProcess.freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: syscall_exporter
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """.formatted(port));
    Process prom = new ProcessBuilder("prometheus", "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + promPort).redirectErrorStream(true)
        .redirectOutput(work.resolve("prometheus.log").toFile()).start();
    HttpClient http = HttpClient.newHttpClient();
    try {
      String api = "http://127.0.0.1:" + promPort + "/api/v1/query?query=";
      String instance = "127.0.0.1:" + port;
      List<Dashboards.Target> targets = Dashboards.queries(dashboard);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      for (Dashboards.Target t : targets) {
        String expr = t.expr().replace("$__rate_interval", "1m")
            .replace("$job", "syscall_exporter").replace("$instance", instance)
            .replace("$thread", ".*").replace("$syscall", ".*");
        List<Object> result = List.of();
        // Rates need two scrapes: retry until then.
        while (result.isEmpty() && System.nanoTime() < deadline) {
          try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api
                + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            Map<String, Object> body = Json.map(Json.parse(r.body()));
            assertThat(body.get("status")).as("%s: %s", t.panel(), expr).isEqualTo("success");
            result = Json.list(Json.map(body.get("data")).get("result"));
          } catch (java.io.IOException notYet) {
            // Prometheus not listening yet
          }
          if (result.isEmpty()) {
            Thread.sleep(500);
          }
        }
        assertThat(result).as("%s / %s returns data: %s", t.dashboard(), t.panel(), expr)
            .isNotEmpty();
      }
    } finally {
      prom.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
