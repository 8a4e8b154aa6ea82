package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Debian's Prometheus in the tests: one scraping a target every second, to run a dashboard's
 * queries against, and reads of any one's HTTP API.
 */
final class Prometheus {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private Prometheus() {}

  /**
   * Runs every panel and variable query of {@code dashboard} on the Prometheus at {@code url},
   * with {@code variables} substituted and rates over 1m, and asserts that each succeeds and
   * returns data; an empty one is retried for up to {@code waitSeconds} (0: asked once).
   */
  static void assertQueriesHaveData(String url, Path dashboard, Map<String, String> variables,
      int waitSeconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    for (Dashboards.Target t : Dashboards.queries(dashboard)) {
      String expr = t.expr().replace("$__rate_interval", "1m");
      for (Map.Entry<String, String> v : variables.entrySet()) {
        expr = expr.replace(v.getKey(), v.getValue());
      }
      List<Object> result = query(url, expr, t);
      while (result.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(500); // a rate needs two scrapes
        result = query(url, expr, t);
      }
      assertThat(result).as("%s / %s returns data: %s", t.dashboard(), t.panel(), expr)
          .isNotEmpty();
    }
  }

  private static void awaitReady(String url) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(url + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Prometheus at " + url + " not ready within 30 s");
  }

  private static List<Object> query(String url, String expr, Dashboards.Target t)
      throws Exception {
    return query(url, expr, t.dashboard() + " / " + t.panel() + ": " + expr);
  }

  /** The result of the instant query {@code expr} on the Prometheus at {@code url}. */
  static List<Object> query(String url, String expr, String what) throws Exception {
    return Json.list(Json.map(apiData(url, "/api/v1/query?query="
        + URLEncoder.encode(expr, StandardCharsets.UTF_8), what)).get("result"));
  }

  /** The {@code data} of a successful answer of the HTTP API of the Prometheus at {@code url}. */
  static Object apiData(String url, String path, String what) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    Map<String, Object> body = Json.map(Json.parse(r.body()));
    assertThat(body.get("status")).as("%s: %s", what, r.body()).isEqualTo("success");
    return body.get("data");
  }

  /**
   * When the latest sample of {@code selector} (one series) was scraped, in ms since the epoch;
   * -1 without one.
   */
  static long sampleTimeMillis(String url, String selector) throws Exception {
    List<Object> result = query(url, "timestamp(" + selector + ")", selector);
    if (result.isEmpty()) {
      return -1;
    }
    Object seconds = Json.list(Json.map(result.get(0)).get("value")).get(1);
    return Math.round(Double.parseDouble(String.valueOf(seconds)) * 1000);
  }

  /** When the alerting rule {@code alert} was last evaluated, in ms since the epoch; -1 if never. */
  static long lastEvaluationMillis(String url, String alert) throws Exception {
    Map<String, Object> data = Json.map(apiData(url, "/api/v1/rules?type=alert", "rules"));
    for (Object g : Json.list(data.get("groups"))) {
      for (Object r : Json.list(Json.map(g).get("rules"))) {
        Map<String, Object> rule = Json.map(r);
        if (alert.equals(rule.get("name")) && rule.get("lastEvaluation") != null) {
          long at = OffsetDateTime.parse(String.valueOf(rule.get("lastEvaluation")))
              .toInstant().toEpochMilli();
          return at > 0 ? at : -1;
        }
      }
    }
    return -1;
  }

  /**
   * Scrapes the target on {@code port} and asserts that every panel query of {@code dashboard},
   * and every variable's, returns data, with every variable matching all.
   */
  static void assertPanelsHaveData(Path dashboard, int port, Path work) throws Exception {
    assertPanelsHaveData(dashboard, port, "/metrics", work);
  }

  /** The same, for a target that serves its metrics at {@code metricsPath}. */
  static void assertPanelsHaveData(Path dashboard, int port, String metricsPath, Path work)
      throws Exception {
    try (Server prom = scraping(port, metricsPath, work)) {
      assertQueriesHaveData(prom.url(), dashboard, Map.of(
          "$job", "syscall_exporter", "$instance", "127.0.0.1:" + port, "$process", ".*",
          "$thread", ".*", "$syscall", ".*"), 60);
    }
  }

  /** A real Prometheus, ready, that scrapes one target every second; closing kills it. */
  record Server(Process process, String url) implements AutoCloseable {
    /** GETs {@code path} (with its query) of the HTTP API; the body. */
    String get(String path) throws Exception {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + path))
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
      return r.body();
    }

    @Override
    public void close() throws InterruptedException {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** {@code flags}: more of Prometheus' own, e.g. {@code --enable-feature=exemplar-storage}. */
  static Server scraping(int port, String metricsPath, Path work, String... flags)
      throws Exception {
    int promPort = ExporterProcess.freePort();
    Path config = work.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: syscall_exporter
            metrics_path: '%s'
            static_configs: [{targets: ['127.0.0.1:%d']}]
        """.formatted(metricsPath, port));
    List<String> cmd = new ArrayList<>(List.of("prometheus", "--config.file=" + config,
        "--storage.tsdb.path=" + work.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + promPort));
    cmd.addAll(List.of(flags));
    Process prom = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(work.resolve("prometheus.log").toFile()).start();
    Server server = new Server(prom, "http://127.0.0.1:" + promPort);
    try {
      awaitReady(server.url());
    } catch (Exception | AssertionError e) {
      server.close();
      throw e;
    }
    return server;
  }
}
