package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Slow and stuck syscalls linked to the request that made them: a service run by the real
 * OpenTelemetry Java agent (2.10.0, from Maven Central), with our jar as its extension and as
 * our agent, makes 2 s reads from a FUSE file, and reads that never return, inside spans of its
 * own and outside any. The slow-call log, the exemplars of /metrics (OpenMetrics and protobuf),
 * the service's own endpoint, the on-call view and the timed-out log carry the trace and span
 * ids the service printed for the span, as the host exporter does for a joined JVM (across the
 * host's restart), and a real Prometheus with exemplar storage returns them to the JVM
 * dashboard's query; calls outside a span carry none. In real Spring Boot services, a request's
 * server span, the OpenTelemetry agent's own, is linked the same way on the actuator.
 */
class TraceExemplarIT {
  static final String OPENMETRICS = MetricsText.OPENMETRICS;
  static final HttpClient HTTP = HttpClient.newHttpClient();
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
      // The protobuf format: the same exemplar on the classic bucket.
      Metrics.Exemplar exemplar = protobufExemplar(port, 4.0, "syscall=read", "thread=request-*");
      assertThat(exemplar.getLabelList().stream().map(l -> l.getName() + "=" + l.getValue()))
          .containsExactlyInAnyOrder("trace_id=" + span[0], "span_id=" + span[1]);
      assertThat(exemplar.getValue()).isBetween(2.0, 3.0);
      assertThat(exemplar.getTimestamp().getSeconds())
          .isCloseTo(System.currentTimeMillis() / 1000, within(60L));

      // Outside any span: logged without ids, and the exemplar stays the traced call's.
      service.command("read " + fs.slowFile() + " untraced", "read done");
      awaitTrue("the second slow-call line", 30, () -> slowLines(service).size() == 2);
      assertThat(slowLines(service).get(1)).contains("syscall=read", "thread=request-1")
          .doesNotContain("trace_id");
      assertThat(service.get(port, "/metrics", OPENMETRICS)).containsPattern(
          "thread=\"request-\\*\",le=\"4.0\"} \\d+ # \\{span_id=\"" + span[1]
          + "\",trace_id=\"" + span[0] + "\"}");
    }
  }

  @Test
  void aPrometheusWithExemplarStorageReturnsTheTraceToTheDashboardsQuery() throws Exception {
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
        // What Grafana asks for the JVM dashboard's p99 panel, whose query asks for exemplars.
        String expr = Dashboards.queries(Path.of("../grafana-dashboards/jvm.json")).stream()
            .filter(t -> t.panel().equals("Latency p99 by thread pool")).findFirst()
            .orElseThrow().expr().replace("$__rate_interval", "1m");
        for (String variable : List.of("$job", "$instance", "$process", "$thread", "$syscall")) {
          expr = expr.replace(variable, ".*");
        }
        String query = URLEncoder.encode(expr, StandardCharsets.UTF_8);
        String[] found = new String[1];
        awaitTrue("the exemplar in Prometheus", 60, () -> {
          found[0] = prom.get("/api/v1/query_exemplars?query=" + query + "&start=" + from
              + "&end=" + (System.currentTimeMillis() / 1000 + 60));
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

  @Test
  void aStuckCallShowsTheTraceOfTheRequestItServes() throws Exception {
    HangFs fs = HangFs.mount(3600);
    int port = ExporterProcess.freePort();
    JavaService service = JavaService.startTraced("--web.listen-address=127.0.0.1:" + port
        + ",--syscall.timeout=1s,--scan.interval=200ms");
    try {
      service.awaitAgent(port);
      service.command("hang " + fs.slowFile(), null);
      String[] span = ids(service.awaitLine("hang started", 30));
      awaitTrue("the stuck read listed", 30, () -> service.get(port, "/api/v1/timed-out")
          .contains("hang-1"));
      Map<String, Object> call = Json.timedOutCall(service.get(port, "/api/v1/timed-out"),
          "thread", "hang-1");
      assertThat(call).containsEntry("syscall", "read").containsEntry("trace_id", span[0])
          .containsEntry("span_id", span[1]);
      assertThat(service.get(port, "/timed-out")).contains("<code>" + span[0] + "</code>");
      awaitTrue("the timed-out line", 30, () -> service.stderr().lines().anyMatch(l ->
          l.contains("msg=\"syscall timed out\"") && l.contains("thread=hang-1")));
      assertThat(service.stderr().lines().filter(l -> l.contains("msg=\"syscall timed out\"")
          && l.contains("thread=hang-1"))).singleElement(as(InstanceOfAssertFactories.STRING))
          .contains("trace_id=" + span[0] + " span_id=" + span[1]);

      // A stuck call outside any span shows none.
      service.command("hang " + fs.slowFile() + " untraced", "hang started untraced");
      awaitTrue("the untraced read listed", 30, () -> service.get(port, "/api/v1/timed-out")
          .contains("hang-2"));
      assertThat(Json.timedOutCall(service.get(port, "/api/v1/timed-out"), "thread",
          "hang-2")).containsEntry("trace_id", null).containsEntry("span_id", null);
    } finally {
      fs.close(); // first: until the FUSE server goes, the stuck reads hold off SIGKILL
      service.close();
    }
  }

  /**
   * A JVM joined to the host exporter: its slow call is linked on the host's log and /metrics;
   * after the host exporter restarts and the JVM joins it again, the same request thread,
   * registered with the programs before, is linked again (it registers anew).
   */
  @Test
  void aJoinedJvmsSlowCallIsLinkedOnTheHostAcrossTheHostsRestart() throws Exception {
    SharedDir shared = SharedDir.create("syscall-exporter-trace");
    ExporterProcess host = ExporterProcess.start("--agent.socket=" + shared.socket(),
        "--slow.threshold=1s");
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startTraced("--agent.socket=" + shared.socket()
            + ",--agent.name=traced")) {
      JoinIT.awaitJoined(host, 1);
      for (int run = 1; run <= 2; run++) {
        service.command("read " + fs.slowFile(), null);
        String[] span = ids(service.awaitLine("read started", 30));
        service.awaitLine("read done", 30);
        ExporterProcess h = host;
        awaitTrue("the host's slow-call line, run " + run, 30, () -> h.log().contains(
            "trace_id=" + span[0] + " span_id=" + span[1]));
        assertThat(h.log().lines().filter(l -> l.contains(span[0])))
            .singleElement(as(InstanceOfAssertFactories.STRING))
            .contains("msg=\"slow syscall\"", "syscall=read", "thread=request-1");
        assertThat(h.get("/metrics", OPENMETRICS).body()).containsPattern(
            "syscall_duration_seconds_bucket\\{process=\"traced\",syscall=\"read\","
                + "thread=\"request-\\*\",le=\"4.0\"} \\d+ # \\{span_id=\"" + span[1]
                + "\",trace_id=\"" + span[0] + "\"}");
        if (run == 1) {
          host.close();
          host = ExporterProcess.start("--agent.socket=" + shared.socket(),
              "--slow.threshold=1s");
          JoinIT.awaitJoined(host, 1);
          // The agent says it joined once it has given the exporter its new cookie.
          awaitTrue("the agent rejoined", 30, () -> service.stderr().contains("rejoin=true"));
        }
      }
    } finally {
      host.close();
      shared.delete();
    }
  }

  /**
   * A read stuck since before the host exporter restarted: its thread registered its record
   * with the programs that went, and makes no span while it waits, so the new programs do not
   * know the record; its JVM reads it itself once it has joined again, and the new host lists
   * the call with the span's ids all the same (and its Java name).
   */
  @Test
  void aCallStuckAcrossTheHostsRestartKeepsItsTrace() throws Exception {
    SharedDir shared = SharedDir.create("syscall-exporter-trace-stuck");
    String[] hostFlags = {"--agent.socket=" + shared.socket(), "--syscall.timeout=1s",
        "--scan.interval=200ms"};
    ExporterProcess host = ExporterProcess.start(hostFlags);
    HangFs fs = HangFs.mount(3600);
    JavaService service = null;
    try {
      service = JavaService.startTraced("--agent.socket=" + shared.socket()
          + ",--agent.name=traced");
      JoinIT.awaitJoined(host, 1);
      service.command("hang " + fs.slowFile(), null);
      String[] span = ids(service.awaitLine("hang started", 30));
      for (int run = 1; run <= 2; run++) {
        ExporterProcess h = host;
        // The kernel's ids may come first; the Java stack when the JVM answers.
        awaitTrue("the stuck read listed with its span and its Java stack, run " + run, 30,
            () -> {
              Map<String, Object> c = Json.timedOutCall(h.get("/api/v1/timed-out", "*/*")
                  .body(), "thread", "hang-1");
              return c != null && span[1].equals(c.get("span_id"))
                  && !Json.list(c.get("java_stack")).isEmpty();
            });
        assertThat(Json.timedOutCall(h.get("/api/v1/timed-out", "*/*").body(), "thread",
            "hang-1")).containsEntry("trace_id", span[0]).containsEntry("span_id", span[1]);
        if (run == 1) {
          host.close();
          host = ExporterProcess.start(hostFlags);
          JoinIT.awaitJoined(host, 1);
        }
      }
      assertThat(host.get("/timed-out", "*/*").body()).contains("<code>" + span[0] + "</code>");
    } finally {
      fs.close(); // first: until the FUSE server goes, the stuck read holds off SIGKILL
      if (service != null) {
        service.close();
      }
      host.close();
      shared.delete();
    }
  }

  /** The same exemplar on the service's own endpoint (client_java's), through the bridge. */
  @Test
  void aSlowCallsTraceIsAnExemplarOnTheServicesOwnEndpoint() throws Exception {
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startTraced(
            "--agent.socket=,--web.listen-address=127.0.0.1:0,--slow.threshold=1s",
            "-Dtraced.http-port=0")) {
      awaitTracedReadOnTheServicesEndpoint(service, fs, "java");
    }
  }

  /** A traced 2 s read, then its exemplar on the service's own client_java endpoint. */
  static void awaitTracedReadOnTheServicesEndpoint(JavaService service, HangFs fs,
      String process) throws Exception {
    int http = Integer.parseInt(service.said("http"));
    service.command("read " + fs.slowFile(), null);
    String[] span = ids(service.awaitLine("read started", 30));
    service.awaitLine("read done", 30);
    // The bridge's snapshot is refreshed every second while the endpoint is scraped.
    Pattern exemplar = Pattern.compile("syscall_duration_seconds_bucket\\{process=\"" + process
        + "\",syscall=\"read\",thread=\"request-\\*\",le=\"4.0\"} \\d+ # \\{span_id=\""
        + span[1] + "\",trace_id=\"" + span[0] + "\"} 2\\.\\d+ \\d+\\.\\d+");
    awaitTrue("the exemplar on the service's endpoint", 60,
        () -> exemplar.matcher(service.get(http, "/metrics", OPENMETRICS)).find());
  }

  /**
   * A real Spring Boot service: a request traced by the OpenTelemetry agent's own server span
   * (continuing the caller's trace, as its W3C traceparent says) whose handler makes a slow
   * read. The slow-call line and the actuator's exemplar carry the span's ids, as the service's
   * log printed them (the agent puts them in Logback's MDC).
   */
  @ParameterizedTest(name = "Spring Boot {0}")
  @ValueSource(ints = {3, 2})
  void aSpringBootRequestIsLinkedToTheAgentsServerSpan(int boot) throws Exception {
    int port = ExporterProcess.freePort();
    String caller = "00-" + hex(16) + "-" + hex(8) + "-01";
    List<String> args = new ArrayList<>(ServiceEndpointIT.actuator());
    args.add("--logging.pattern.console=%m trace_id=%X{trace_id} span_id=%X{span_id}%n");
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startJar(ServiceEndpointIT.springBoot(boot),
            JavaService.openTelemetryAgent(), "--agent.socket=,--web.listen-address=127.0.0.1:"
                + port + ",--slow.threshold=1s", args)) {
      service.awaitAgent(port);
      String http = "http://127.0.0.1:" + service.said("port");
      CompletableFuture<HttpResponse<String>> request = HTTP.sendAsync(HttpRequest.newBuilder(
          URI.create(http + "/read?path=" + fs.slowFile())).header("traceparent", caller)
          .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      String[] span = ids(service.awaitLine("read started", 30));
      assertThat(span[0]).as("the caller's trace").isEqualTo(caller.substring(3, 35));
      assertThat(request.get(30, TimeUnit.SECONDS).body()).isEqualTo("read done\n");

      awaitTrue("the slow-call line", 30, () -> slowLines(service).size() == 1);
      assertThat(slowLines(service).get(0)).contains("syscall=read",
          "trace_id=" + span[0] + " span_id=" + span[1]);
      // The actuator's snapshot is refreshed every second while it is scraped.
      awaitTrue("the exemplar on the actuator", 60, () -> ServiceEndpointIT.get(http
          + "/actuator/prometheus", OPENMETRICS).lines().anyMatch(l -> l.startsWith(
              "syscall_duration_seconds_bucket{") && l.contains("syscall=\"read\"")
              && l.contains("le=\"4.0\"") && l.contains("trace_id=\"" + span[0] + "\"")
              && l.contains("span_id=\"" + span[1] + "\"")));
    }
  }

  /** The exemplar of bucket {@code le} of the histogram with {@code labels}, in the protobuf. */
  static Metrics.Exemplar protobufExemplar(int port, double le, String... labels)
      throws Exception {
    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).header("Accept", MetricsText.PROTOBUF)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
    return MetricsText.protobufHistogram(r.body(), "syscall_duration_seconds", labels)
        .getBucketList().stream().filter(b -> b.getUpperBound() == le && b.hasExemplar())
        .findFirst().orElseThrow(() -> new AssertionError("no exemplar at le=" + le))
        .getExemplar();
  }

  /** {@code bytes} random bytes in lowercase hex, as W3C trace ids are written. */
  static String hex(int bytes) {
    byte[] b = new byte[bytes];
    new SecureRandom().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Joined, the same exemplar on the service's own endpoint: the host exporter sends the JVM
   * its own calls' traces with its series.
   */
  @Test
  void aJoinedJvmsTraceIsAnExemplarOnTheServicesOwnEndpoint() throws Exception {
    SharedDir shared = SharedDir.create("syscall-exporter-trace-endpoint");
    ExporterProcess host = ExporterProcess.start("--agent.socket=" + shared.socket(),
        "--slow.threshold=1s", "--drain.interval=1s");
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startTraced("--agent.socket=" + shared.socket()
            + ",--agent.name=traced", "-Dtraced.http-port=0")) {
      JoinIT.awaitJoined(host, 1);
      awaitTrue("the agent joined", 30, () -> service.stderr().contains("joined the host"));
      awaitTracedReadOnTheServicesEndpoint(service, fs, "traced");
    } finally {
      host.close();
      shared.delete();
    }
  }

  /**
   * The agent socket's CONTEXT frame as an attacker would use it (src/test/c/agentclient.c): a
   * client that joined and gave its cookie has its own slow read linked to the record it
   * registered; a process that learned that cookie, not joined or joined under a name of its
   * own, registers nothing with it: its slow read carries no trace ids.
   */
  @Test
  void aCookieRegistersOnlyTheProcessThatGaveIt() throws Exception {
    SharedDir shared = SharedDir.create("syscall-exporter-forge");
    Path client = TestBinaries.compile("agentclient");
    String cookie = "5eed0000cafe";
    ExporterProcess host = ExporterProcess.start("--agent.socket=" + shared.socket(),
        "--slow.threshold=1s");
    Process joined = null;
    try (HangFs fs = HangFs.mount(2)) {
      String slow = fs.slowFile().toString();
      joined = new ProcessBuilder(client.toString(), shared.socket().toString(), "context",
          "mallory", cookie, slow, "60").redirectErrorStream(true).start();
      BufferedReader out = new BufferedReader(new InputStreamReader(joined.getInputStream(),
          StandardCharsets.UTF_8));
      assertThat(out.readLine()).startsWith("joined ");
      String own = out.readLine();
      assertThat(own).startsWith("read done ");
      String notJoined = AgentSocketAttackIT.run(List.of(client.toString(),
          shared.socket().toString(), "forge", cookie, slow), 60);
      String joinedAsAnother = AgentSocketAttackIT.run(List.of(client.toString(),
          shared.socket().toString(), "forge", cookie, slow, "eve"), 60);

      String trace = "deadbeef".repeat(4);
      awaitTrue("the slow reads logged", 30, () -> slowReadOf(host, own) != null
          && slowReadOf(host, notJoined) != null && slowReadOf(host, joinedAsAnother) != null);
      assertThat(slowReadOf(host, own)).contains("trace_id=" + trace,
          "span_id=" + "feedface".repeat(2));
      assertThat(slowReadOf(host, notJoined)).doesNotContain("trace_id");
      assertThat(slowReadOf(host, joinedAsAnother)).doesNotContain("trace_id");
    } finally {
      if (joined != null) {
        joined.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      host.close();
      shared.delete();
    }
  }

  /**
   * The trace ids a joined JVM sends with a stuck thread's stack, as an attacker would send
   * them (src/test/c/agentclient.c, three clients each with a read stuck on a hung file): taken
   * for the thread the exporter asked about, never for another process's thread (a STACK for
   * the victim's thread, unasked, changes nothing), and ids that are not lowercase hex close
   * the connection and link nothing.
   */
  @Test
  void aStacksTraceIdsAreTakenOnlyForTheThreadAsked() throws Exception {
    SharedDir shared = SharedDir.create("syscall-exporter-stack-trace");
    Path client = TestBinaries.compile("agentclient");
    ExporterProcess host = ExporterProcess.start("--agent.socket=" + shared.socket(),
        "--syscall.timeout=1s", "--scan.interval=200ms");
    HangFs fs = HangFs.mount(3600);
    List<Process> clients = new ArrayList<>();
    try {
      String trace = "deadbeef".repeat(4);
      String span = "feedface".repeat(2);
      String ids = trace + " " + span + " 01";
      String victimTid = stuckClient(clients, client, shared, fs, "victim", "");
      stuckClient(clients, client, shared, fs, "honest", ids, victimTid);
      stuckClient(clients, client, shared, fs, "malformed", ids.toUpperCase());
      awaitTrue("the three stuck reads described", 30, () -> {
        String json = host.get("/api/v1/timed-out", "*/*").body();
        return json.contains(trace) && json.contains("rd-victim")
            && json.contains("rd-malformed") && host.log().contains("malformed input");
      });
      String json = host.get("/api/v1/timed-out", "*/*").body();
      assertThat(Json.timedOutCall(json, "thread", "rd-honest"))
          .containsEntry("trace_id", trace).containsEntry("span_id", span);
      assertThat(Json.timedOutCall(json, "thread", "rd-victim"))
          .containsEntry("trace_id", null);
      assertThat(Json.timedOutCall(json, "thread", "rd-malformed"))
          .containsEntry("trace_id", null);
      assertThat(host.scrape().value("syscall_exporter_agent_errors_total", "reason",
          "malformed")).isEqualTo(1);
    } finally {
      fs.close(); // first: until the FUSE server goes, the stuck reads hold off SIGKILL
      for (Process p : clients) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      host.close();
      shared.delete();
    }
  }

  /** An agentclient joined as {@code name} whose reader is stuck; its reader's tid. */
  private static String stuckClient(List<Process> clients, Path client, SharedDir shared,
      HangFs fs, String name, String ids, String... otherTid) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(client.toString(), shared.socket().toString(),
        "stuck", name, fs.slowFile().toString(), ids, "120"));
    cmd.addAll(List.of(otherTid));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    clients.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8));
    assertThat(out.readLine()).startsWith("joined ");
    String reader = out.readLine();
    assertThat(reader).startsWith("reader ");
    return reader.substring("reader ".length());
  }

  /** The host's slow-call line of the read of the client that said {@code readDone}. */
  static String slowReadOf(ExporterProcess host, String readDone) throws Exception {
    Matcher m = Pattern.compile("read done (\\d+)").matcher(readDone);
    assertThat(m.find()).as(readDone).isTrue();
    return host.log().lines().filter(l -> l.contains("msg=\"slow syscall\" syscall=read ")
        && l.contains(" pid=" + m.group(1) + " ")).findFirst().orElse(null);
  }
}
