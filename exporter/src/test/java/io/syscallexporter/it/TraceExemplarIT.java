package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow syscalls linked to the request that made them: a service run by the real OpenTelemetry
 * Java agent (2.10.0, from Maven Central), with our jar as its extension and as our agent,
 * makes 2 s reads from a FUSE file inside spans of its own and outside any. The slow-call log
 * and the exemplars of /metrics (OpenMetrics) carry the trace and span ids the service printed
 * for the span, and a real Prometheus with exemplar storage returns them; calls outside a span
 * carry none.
 */
class TraceExemplarIT {
  static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  static final Pattern IDS = Pattern.compile("trace_id=([0-9a-f]{32}) span_id=([0-9a-f]{16})");

  @TempDir
  Path dir;

  @BeforeAll
  static void kernel() {
    KernelRequired.check();
  }

  /** The trace and span ids a "... started trace_id=... span_id=..." line gives. */
  static String[] ids(String startedLine) {
    Matcher m = IDS.matcher(startedLine);
    assertThat(m.find()).as(startedLine).isTrue();
    return new String[] {m.group(1), m.group(2)};
  }

  static List<String> slowLines(JavaService service) throws Exception {
    return service.stderr().lines().filter(l -> l.contains("msg=\"slow syscall\"")).toList();
  }

  @Test
  void aSlowCallCarriesTheTraceOfTheSpanThatMadeIt() throws Exception {
    int port = ExporterProcess.freePort();
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startTraced("--web.listen-address=127.0.0.1:" + port
            + ",--slow.threshold=1s")) {
      service.awaitAgent(port);
      service.command("read " + fs.slowFile(), null);
      String[] span = ids(service.awaitLine("read started", 30));
      service.awaitLine("read done", 30);
      awaitTrue("the slow-call line", 30, () -> slowLines(service).size() == 1);
      assertThat(slowLines(service).get(0)).contains("syscall=read", "thread=request-1",
          "trace_id=" + span[0] + " span_id=" + span[1]);

      String metrics = service.get(port, "/metrics", OPENMETRICS);
      // A 2 s read: the (1, 4] s bucket, with the span's ids and the call's latency.
      assertThat(metrics).containsPattern("syscall_duration_seconds_bucket\\{process=\"java\","
          + "syscall=\"read\",thread=\"request-\\*\",le=\"4.0\"} \\d+ # \\{span_id=\"" + span[1]
          + "\",trace_id=\"" + span[0] + "\"} 2\\.\\d+ \\d+\\.\\d+");
      assertThat(metrics.lines().filter(l -> l.contains(" # {"))).hasSize(1);

      // Outside any span: logged without ids, and the exemplar stays the traced call's.
      service.command("read " + fs.slowFile() + " untraced", "read done");
      awaitTrue("the second slow-call line", 30, () -> slowLines(service).size() == 2);
      assertThat(slowLines(service).get(1)).contains("syscall=read", "thread=request-2")
          .doesNotContain("trace_id");
      assertThat(service.get(port, "/metrics", OPENMETRICS)).containsPattern(
          "thread=\"request-\\*\",le=\"4.0\"} \\d+ # \\{span_id=\"" + span[1]
          + "\",trace_id=\"" + span[0] + "\"}");
    }
  }

  @Test
  void aPrometheusWithExemplarStorageReturnsTheTrace() throws Exception {
    int port = ExporterProcess.freePort();
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startTraced("--web.listen-address=127.0.0.1:" + port
            + ",--slow.threshold=1s")) {
      service.awaitAgent(port);
      try (Prometheus.Server prom = Prometheus.scraping(port, "/metrics", dir,
          "--enable-feature=exemplar-storage")) {
        long from = System.currentTimeMillis() / 1000 - 60;
        service.command("read " + fs.slowFile(), null);
        String[] span = ids(service.awaitLine("read started", 30));
        service.awaitLine("read done", 30);
        String[] found = new String[1];
        awaitTrue("the exemplar in Prometheus", 60, () -> {
          found[0] = prom.get("/api/v1/query_exemplars?query=syscall_duration_seconds_bucket"
              + "&start=" + from + "&end=" + (System.currentTimeMillis() / 1000 + 60));
          return found[0].contains(span[0]);
        });
        List<Object> series = Json.list(Json.map(Json.parse(found[0])).get("data"));
        Map<String, Object> read = series.stream().map(Json::map)
            .filter(s -> "read".equals(Json.map(s.get("seriesLabels")).get("syscall")))
            .findFirst().orElseThrow();
        Map<String, Object> exemplar = Json.map(Json.list(read.get("exemplars")).get(0));
        assertThat(Json.map(exemplar.get("labels"))).containsEntry("trace_id", span[0])
            .containsEntry("span_id", span[1]);
        assertThat(Double.parseDouble(exemplar.get("value").toString())).isBetween(2.0, 3.0);
        assertThat(Json.map(read.get("seriesLabels"))).containsEntry("le", "4.0")
            .containsEntry("thread", "request-*");
      }
    }
  }
}
