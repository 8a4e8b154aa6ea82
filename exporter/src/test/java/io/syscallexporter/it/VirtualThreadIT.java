package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A service on virtual threads, on Java 25 (src/test/resources/virtual/VirtualService.java and
 * the real Spring Boot 3 service with {@code spring.threads.virtual.enabled}): its calls count
 * under each virtual thread's own pool, exactly, standalone and joined, never under the
 * carriers that ran them; a virtual thread stuck in a call is shown by its name, its Java stack
 * and its carrier; and each slow call carries the trace of the virtual thread that made it,
 * never another's, while hundreds of them move between carriers.
 */
class VirtualThreadIT {
  static final String CARRIERS = "ForkJoinPool-1-worker-*";

  static Path java;
  static SharedDir shared;
  static Path file;

  @BeforeAll
  static void kernelAndJava25() throws Exception {
    KernelRequired.check();
    java = Java25.java();
    shared = SharedDir.create("syscall-exporter-virtual");
    file = shared.data();
  }

  @AfterAll
  static void removeSharedDirectory() throws Exception {
    if (shared != null) {
      shared.delete();
    }
  }

  private static Double reads(MetricsText m, String process, String thread) {
    return m.find("syscall_duration_seconds_count", "process", process, "syscall", "read",
        "thread", thread);
  }

  @Test
  void standaloneEachPoolIsCountedExactlyAndNothingUnderTheCarriers() throws Exception {
    int port = ExporterProcess.freePort();
    try (JavaService service = JavaService.startVirtual(java, List.of(),
        "--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port);
      service.command("vio 4 1000 " + file, "vio done");
      service.command("unnamed 2 500 " + file, "unnamed done");
      MetricsText m = service.scrape(port);
      assertThat(reads(m, "java", "req-*")).isEqualTo(4000);
      assertThat(reads(m, "java", "virtual")).as("unnamed virtual threads").isEqualTo(1000);
      assertThat(reads(m, "java", CARRIERS)).as("reads under the carriers").isNull();
      // The carriers' own calls (waiting for work) stay theirs.
      assertThat(m.samples("syscall_duration_seconds_count").stream()
          .map(s -> s.labels().get("thread"))).contains(CARRIERS);
      // Java 25: the restricted-method warning of jffi's native library (documented), and no
      // sun.misc.Unsafe warning from our jar.
      assertThat(service.stderr()).doesNotContain("sun.misc.Unsafe")
          .doesNotContain("virtual threads' calls count under their carrier");
      assertThat(service.exit()).isZero();
    }
  }

  @Test
  void joinedEachPoolIsCountedExactlyOnTheHostAndTheJvmPrintsNoWarning() throws Exception {
    try (ExporterProcess host = ExporterProcess.start("--agent.socket=" + shared.socket());
        JavaService service = JavaService.startVirtual(java, List.of(),
            "--agent.socket=" + shared.socket() + ",--agent.name=vshop")) {
      awaitTrue("joined", 60, () -> host.scrape().value("syscall_exporter_agents_joined") == 1);
      service.command("vio 4 1000 " + file, "vio done");
      service.command("unnamed 2 500 " + file, "unnamed done");
      // Its agent says the pools' names within a second; the counts wait for them, whole.
      awaitTrue("the virtual threads' reads", 30,
          () -> Double.valueOf(1000).equals(reads(host.scrape(), "vshop", "virtual")));
      MetricsText m = host.scrape();
      assertThat(reads(m, "vshop", "req-*")).isEqualTo(4000);
      assertThat(reads(m, "vshop", CARRIERS)).isNull();
      assertThat(service.stderr()).as("a joined JVM's stderr").doesNotContain("WARNING");
    }
  }

  /**
   * Blocking file I/O pins a virtual thread to its carrier, and the scheduler starts more
   * carriers meanwhile (two at first here, six slow reads at once): each read counts under its
   * virtual thread's pool, on whichever carrier.
   */
  @Test
  void pinnedAndCompensatedCarriersCountTheirVirtualThreadsCalls() throws Exception {
    int port = ExporterProcess.freePort();
    try (HangFs fs = HangFs.mount(1);
        JavaService service = JavaService.startVirtual(java,
            List.of("-Djdk.virtualThreadScheduler.parallelism=2"),
            "--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port);
      service.command("pinned 6 " + fs.slowFile(), "pinned done");
      MetricsText m = service.scrape(port);
      assertThat(reads(m, "java", "pinned-*")).isEqualTo(6);
      assertThat(reads(m, "java", CARRIERS)).isNull();
    }
  }

  /** Standalone and joined: the on-call view, the API and the log name the virtual thread. */
  @ParameterizedTest(name = "joined={0}")
  @ValueSource(booleans = {false, true})
  void aStuckVirtualThreadIsShownByItsNameStackAndCarrier(boolean joined) throws Exception {
    int port = ExporterProcess.freePort();
    String timeouts = "--syscall.timeout=1s,--scan.interval=200ms";
    try (HangFs fs = HangFs.mount(3600);
        ExporterProcess host = joined ? ExporterProcess.start("--agent.socket="
            + shared.socket(), "--syscall.timeout=1s", "--scan.interval=200ms") : null;
        JavaService service = JavaService.startVirtual(java, List.of(), joined
            ? "--agent.socket=" + shared.socket() + ",--agent.name=vstuck"
            : "--web.listen-address=127.0.0.1:" + port + "," + timeouts)) {
      if (joined) {
        awaitTrue("joined", 60, () -> host.scrape().value("syscall_exporter_agents_joined") == 1);
      } else {
        service.awaitAgent(port);
      }
      String process = joined ? "vstuck" : "java";
      service.command("hang " + fs.slowFile(), "hang started");
      try {
        awaitTrue("the stuck read described", 30, () -> {
          String json = joined ? host.get("/api/v1/timed-out", "application/json").body()
              : service.get(port, "/api/v1/timed-out");
          return json.contains("\"thread\":\"stuck-req\",\"carrier\":\"ForkJoinPool-1-worker-")
              && json.contains("VirtualService.stuckRead(VirtualService.java");
        });
        MetricsText m = joined ? host.scrape() : service.scrape(port);
        assertThat(m.value("syscall_timed_out", "process", process, "syscall", "read",
            "thread", "stuck-req")).isEqualTo(1);
        String page = joined ? host.get("/timed-out", "text/html").body()
            : service.get(port, "/timed-out");
        assertThat(page).contains("stuck-req (virtual, on ForkJoinPool-1-worker-");
        String log = joined ? host.log() : service.stderr();
        awaitTrue("the timed-out line", 10, () -> (joined ? host.log() : service.stderr())
            .lines().anyMatch(l -> l.contains("msg=\"syscall timed out\"")
                && l.contains("thread=stuck-req carrier=ForkJoinPool-1-worker-")));
      } finally {
        fs.kill(); // the read returns, with an error
      }
    }
  }

  /**
   * Hundreds of virtual threads at once, each in a span of its own and in one of 50 pools,
   * each yielding after every read so they move from carrier to carrier: every slow call's
   * pool and trace are those of the virtual thread that made it. Each read waits 2 ms in the
   * FUSE server (no page cache), slow at a 1 ms threshold that little else in the JVM reaches.
   */
  @Test
  void underChurnEverySlowCallHasThePoolAndTraceOfTheVirtualThreadThatMadeIt()
      throws Exception {
    int port = ExporterProcess.freePort();
    int pools = 50;
    int threads = 4;
    int calls = 10;
    List<String> options = new ArrayList<>(JavaService.openTelemetryAgentForJava25());
    options.add("-Djdk.virtualThreadScheduler.parallelism=2");
    try (HangFs fs = HangFs.mountSlow(2);
        JavaService service = JavaService.startVirtual(java, options,
            "--web.listen-address=127.0.0.1:" + port
                + ",--slow.threshold=1ms,--log.rate-limit=100000")) {
      service.awaitAgent(port);
      service.command("traced " + pools + " " + threads + " " + calls + " " + fs.slowFile(),
          "traced done");
      Map<String, String> poolOfTrace = new HashMap<>();
      Pattern span = Pattern.compile("^span (p\\d+-job-)\\d+ ([0-9a-f]{32})$");
      awaitTrue("every span said", 30, () -> service.stdoutLines().stream()
          .filter(l -> l.startsWith("span ")).count() == pools * threads);
      for (String l : service.stdoutLines()) {
        Matcher s = span.matcher(l);
        if (s.matches()) {
          poolOfTrace.put(s.group(2), s.group(1) + "*");
        }
      }
      assertThat(poolOfTrace).hasSize(pools * threads);
      Pattern slow = Pattern.compile("syscall=read .* thread=(p\\d+-job-\\*) carrier=\\S+"
          + "(?: trace_id=([0-9a-f]{32}))?");
      awaitTrue("every read's slow-call line", 30, () -> slowReads(service, slow).size()
          >= pools * threads * calls);
      int wrong = 0;
      int untraced = 0;
      List<String> lines = slowReads(service, slow);
      for (String l : lines) {
        Matcher s = slow.matcher(l);
        assertThat(s.find()).isTrue();
        if (s.group(2) == null) {
          untraced++;
          System.out.println("untraced: " + l);
        } else if (!s.group(1).equals(poolOfTrace.get(s.group(2)))) {
          wrong++;
        }
      }
      System.out.printf("virtual thread churn: %d slow reads, %d wrong, %d without a trace%n",
          lines.size(), wrong, untraced);
      assertThat(lines).hasSize(pools * threads * calls);
      assertThat(wrong).as("slow calls under another virtual thread's pool or trace").isZero();
      assertThat(untraced).as("slow calls made inside a span, without its trace").isZero();
      MetricsText m = service.scrape(port);
      for (int p = 0; p < pools; p++) {
        assertThat(m.find("syscall_slow_total", "process", "java", "syscall", "read", "thread",
            "p" + p + "-job-*")).as("pool p%d's slow reads", p).isEqualTo(threads * calls);
      }
    }
  }

  private static List<String> slowReads(JavaService service, Pattern slow) throws Exception {
    return service.stderr().lines().filter(l -> l.contains("msg=\"slow syscall\"")
        && slow.matcher(l).find()).toList();
  }

  /**
   * Spring Boot 3 on virtual threads (Tomcat's handler threads), under the OpenTelemetry Java
   * agent: a request that continues its caller's trace makes a slow read; the slow-call line
   * and the actuator's exemplar carry its trace, under Tomcat's virtual thread pool.
   */
  @Test
  void aSpringBootRequestOnAVirtualThreadIsLinkedToItsTrace() throws Exception {
    int port = ExporterProcess.freePort();
    String caller = "00-" + TraceExemplarIT.hex(16) + "-" + TraceExemplarIT.hex(8) + "-01";
    List<String> args = new ArrayList<>(ServiceEndpointIT.actuator());
    args.add("--spring.threads.virtual.enabled=true");
    args.add("--logging.pattern.console=%m thread=%thread trace_id=%X{trace_id}"
        + " span_id=%X{span_id}%n");
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.startJar(java, ServiceEndpointIT.springBoot(3),
            JavaService.openTelemetryAgentForJava25(),
            "--agent.socket=,--web.listen-address=127.0.0.1:"
                + port + ",--slow.threshold=1s", args)) {
      service.awaitAgent(port);
      String http = "http://127.0.0.1:" + service.said("port");
      CompletableFuture<HttpResponse<String>> request = TraceExemplarIT.HTTP.sendAsync(
          HttpRequest.newBuilder(URI.create(http + "/read?path=" + fs.slowFile()))
              .header("traceparent", caller).timeout(Duration.ofSeconds(30)).build(),
          HttpResponse.BodyHandlers.ofString());
      String started = service.awaitLine("read started", 30);
      assertThat(started).contains("thread=tomcat-handler-");
      String[] span = TraceExemplarIT.ids(started);
      assertThat(span[0]).as("the caller's trace").isEqualTo(caller.substring(3, 35));
      assertThat(request.get(30, TimeUnit.SECONDS).body()).isEqualTo("read done\n");

      awaitTrue("the slow-call line", 30, () -> TraceExemplarIT.slowLines(service).stream()
          .anyMatch(l -> l.contains("syscall=read")));
      assertThat(TraceExemplarIT.slowLines(service).stream()
          .filter(l -> l.contains("syscall=read")).findFirst().orElseThrow()).contains(
          "thread=tomcat-handler-* carrier=ForkJoinPool-1-worker-",
          "trace_id=" + span[0] + " span_id=" + span[1]);
      awaitTrue("the exemplar on the actuator", 60, () -> ServiceEndpointIT.get(http
          + "/actuator/prometheus", TraceExemplarIT.OPENMETRICS).lines().anyMatch(l ->
          l.startsWith("syscall_duration_seconds_bucket{") && l.contains("syscall=\"read\"")
              && l.contains("thread=\"tomcat-handler-*\"") && l.contains("le=\"4.0\"")
              && l.contains("trace_id=\"" + span[0] + "\"")));
    }
  }
}
