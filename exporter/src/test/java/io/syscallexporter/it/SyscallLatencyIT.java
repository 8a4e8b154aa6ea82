package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real BPF object in the real kernel, driven by a workload with known syscall counts and
 * durations; the numbers on /metrics must match exactly.
 */
class SyscallLatencyIT {
  private static ExporterProcess exporter;

  @BeforeAll
  static void start() throws Exception {
    KernelRequired.check();
    // nanosleep waits by design: by default it never times out and is never slow. These tests
    // use it for its exact duration, so the config file makes it count.
    exporter = ExporterProcess.startWithConfig("timeouts:\n  syscalls:\n    nanosleep: 2s\n"
        + "slow:\n  include: [nanosleep]\n", "--slow.threshold=1s", "--scan.interval=500ms",
        "--log.rate-limit=1000");
  }

  @AfterAll
  static void stop() throws Exception {
    if (exporter != null) {
      assertThat(exporter.signal("TERM")).as("exit code on SIGTERM").isZero();
      exporter.close();
    }
  }

  @Test
  void countsEveryGetppidExactly() throws Exception {
    int n = 100_000;
    Workload w = Workload.run(Workload.uniqueName("gp"), "getppid", Integer.toString(n));

    MetricsText m = exporter.scrape();
    assertThat(m.value("syscall_duration_seconds_count", "syscall", "getppid", "process", w.name))
        .isEqualTo(n);
    assertThat(m.value("syscall_duration_seconds_bucket", "syscall", "getppid", "process", w.name,
        "le", "+Inf")).isEqualTo(n);
    assertThat(m.value("syscall_slow_total", "syscall", "getppid", "process", w.name)).isZero();
  }

  @Test
  void placesTwentyMillisecondSleepsInTheirBuckets() throws Exception {
    Workload w = Workload.run(Workload.uniqueName("ns"), "nanosleep", "10", "20");

    // Each sleep as the workload measured it around the call: the kernel's latency lies
    // between the 20 ms asked (a sleep never ends early) and that. A busy machine wakes a sleep
    // late; the workload sees the same lateness, so no bound here depends on the machine.
    long[] slept = w.sleptNanos();
    assertThat(slept).hasSize(10);
    double sleptSeconds = Arrays.stream(slept).sum() / 1e9;
    MetricsText m = exporter.scrape();
    String[] labels = {"syscall", "nanosleep", "process", w.name};
    assertThat(m.value("syscall_duration_seconds_count", labels)).isEqualTo(10);
    assertThat(m.value("syscall_duration_seconds_sum", labels)).isBetween(0.200, sleptSeconds);
    // Classic buckets around 20 ms: 2^-6 s (15.6 ms) and 2^-4 s (62.5 ms).
    assertThat(bucket(m, w.name, "0.015625")).isZero();
    assertThat(bucket(m, w.name, "0.0625")).isGreaterThanOrEqualTo(
        Arrays.stream(slept).filter(ns -> ns <= 62_500_000).count());

    // Native buckets (schema 2): 20 ms is in bucket -22, (2^(-23/4), 2^(-22/4)] s =
    // (18.6 ms, 22.1 ms]: nothing below it, nothing above the longest sleep's bucket.
    Metrics.Histogram h = protobufHistogram("syscall_duration_seconds", "nanosleep", w.name);
    assertThat(h.getSchema()).isEqualTo(2);
    assertThat(h.getSampleCount()).isEqualTo(10);
    List<long[]> buckets = nativeBuckets(h);
    long highest = nativeIndex(Arrays.stream(slept).max().getAsLong() / 1e9);
    assertThat(buckets).allSatisfy(b -> assertThat(b[0]).isBetween(-22L, highest));
    assertThat(buckets.stream().mapToLong(b -> b[1]).sum()).isEqualTo(10);
  }

  @Test
  void timedOutGaugeFollowsABlockedCall() throws Exception {
    String name = Workload.uniqueName("to");
    String[] labels = {"syscall", "nanosleep", "process", name};
    long started = System.nanoTime();
    Workload w = Workload.start(name, "nanosleep", "1", "6000");

    // Timeout 2 s, scans every 500 ms: listed while it sleeps on (6 s), by whichever scan.
    double seen = 0;
    while (seen != 1 && !w.exitsWithin(0)) {
      Thread.sleep(100);
      Double v = exporter.scrape().find("syscall_timed_out", labels);
      seen = v == null ? 0 : v;
    }
    assertThat(seen).as("gauge while blocked, %d ms after start",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isEqualTo(1);
    assertThat(exporter.scrape().value("syscall_timeouts_total", labels)).isEqualTo(1);

    w.awaitExit(30);
    exporter.awaitScans(2); // the first may have begun before it returned
    MetricsText after = exporter.scrape();
    assertThat(after.value("syscall_timed_out", labels)).as("gauge after return").isZero();
    assertThat(after.value("syscall_timeouts_total", labels)).as("counted once").isEqualTo(1);
    assertThat(after.value("syscall_duration_seconds_count", labels)).isEqualTo(1);
  }

  @Test
  void logsOneLineForASlowCall() throws Exception {
    Workload w = Workload.run(Workload.uniqueName("sl"), "nanosleep", "1", "3000");
    double slept = w.sleptNanos()[0] / 1e9;

    // Events arrive through the ring buffer: give the poller a moment, then expect exactly one.
    List<String> lines = List.of();
    for (int i = 0; i < 50 && lines.isEmpty(); i++) {
      Thread.sleep(100);
      lines = exporter.log().lines()
          .filter(l -> l.contains("msg=\"slow syscall\"") && l.contains("process=" + w.name + " "))
          .toList();
    }
    Thread.sleep(500);
    lines = exporter.log().lines()
        .filter(l -> l.contains("msg=\"slow syscall\"") && l.contains("process=" + w.name + " "))
        .toList();
    assertThat(lines).hasSize(1);
    String line = lines.get(0);
    assertThat(line).contains("syscall=nanosleep ", "tid=" + w.pid() + " ", "pid=" + w.pid() + " ",
        "thread=" + w.name);
    double latency = Double.parseDouble(line.replaceAll(".*latency_seconds=(\\S+).*", "$1"));
    assertThat(latency).as("between the 3 s asked and what the workload measured")
        .isBetween(3.0, slept + 1e-6); // printed to the microsecond
    assertThat(exporter.scrape().value("syscall_slow_total", "syscall", "nanosleep", "process",
        w.name)).isEqualTo(1);
  }

  @Test
  void slowAllCountsWaitsByDesignToo() throws Exception {
    // Without a config file nanosleep is a wait by design; --slow.all counts it anyway.
    try (ExporterProcess all = ExporterProcess.start("--slow.all", "--slow.threshold=1s",
        "--log.rate-limit=1000")) {
      Workload w = Workload.run(Workload.uniqueName("sa"), "nanosleep", "1", "3000");
      double slept = w.sleptNanos()[0] / 1e9;
      List<String> lines = List.of();
      for (int i = 0; i < 50 && lines.isEmpty(); i++) {
        Thread.sleep(100);
        lines = slowLines(all, w);
      }
      Thread.sleep(500);
      assertThat(slowLines(all, w)).singleElement().asString()
          .contains("syscall=nanosleep latency_seconds=");
      assertThat(Double.parseDouble(slowLines(all, w).get(0)
          .replaceAll(".*latency_seconds=(\\S+).*", "$1"))).isBetween(3.0, slept + 1e-6);
      assertThat(all.scrape().value("syscall_slow_total", "syscall", "nanosleep", "process",
          w.name)).isEqualTo(1);
    }
  }

  private static List<String> slowLines(ExporterProcess e, Workload w) throws Exception {
    return e.log().lines()
        .filter(l -> l.contains("msg=\"slow syscall\"") && l.contains("process=" + w.name + " "))
        .toList();
  }

  @Test
  void exposesMetricsPromtoolAccepts() throws Exception {
    Workload.run(Workload.uniqueName("pt"), "getppid", "10");
    Path file = Files.createTempFile("metrics", ".txt");
    Files.writeString(file, exporter.scrape().text);
    Process promtool = new ProcessBuilder("promtool", "check", "metrics")
        .redirectInput(file.toFile()).redirectErrorStream(true).start();
    String out = new String(promtool.getInputStream().readAllBytes());
    assertThat(promtool.waitFor()).as("promtool exit code: %s", out).isZero();
    assertThat(out).isEmpty();
    Files.delete(file);
  }

  @Test
  void reportsTheMavenVersion() throws Exception {
    assertThat(exporter.scrape().samples("syscall_exporter_build_info")).singleElement()
        .satisfies(s -> assertThat(s.labels()).containsEntry("version",
            System.getProperty("exporter.version")));
  }

  @Test
  void servesTheLandingPageAndHealth() throws Exception {
    assertThat(exporter.get("/", "text/html").body()).contains("href=\"/metrics\"");
    assertThat(exporter.get("/-/healthy", "*/*").statusCode()).isEqualTo(200);
    assertThat(exporter.get("/no-such-page", "*/*").statusCode()).isEqualTo(404);
  }

  @Test
  void reportsBpfRunTimeWhileTheKernelCountsIt() throws Exception {
    Path sysctl = Path.of("/proc/sys/kernel/bpf_stats_enabled");
    String before = Files.readString(sysctl).trim();
    Files.writeString(sysctl, "1");
    try {
      String[] sysExit = {"program", "sys_exit"};
      double runs = exporter.scrape().value("syscall_exporter_bpf_runs_total", sysExit);
      Workload.run(Workload.uniqueName("st"), "getppid", "10000");
      MetricsText m = exporter.scrape();
      assertThat(m.value("syscall_exporter_bpf_runs_total", sysExit) - runs)
          .isGreaterThanOrEqualTo(10_000);
      assertThat(m.value("syscall_exporter_bpf_run_seconds_total", sysExit)).isPositive();
    } finally {
      Files.writeString(sysctl, before);
    }
  }

  @Test
  void malformedRequestsGetAClearAnswer() throws Exception {
    assertThat(rawRequest("GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(rawRequest("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"))
        .startsWith("HTTP/1.1 405").contains("Allow: GET, HEAD");
    // The exporter serves on after both.
    assertThat(exporter.get("/-/healthy", "*/*").statusCode()).isEqualTo(200);
  }

  private static String rawRequest(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", exporter.port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      // The status line and headers; the connection may stay open after them.
      StringBuilder head = new StringBuilder();
      InputStream in = s.getInputStream();
      for (int b; !head.toString().endsWith("\r\n\r\n") && (b = in.read()) >= 0; ) {
        head.append((char) b);
      }
      return head.toString();
    }
  }

  /** The native histogram bucket (schema 2) that holds {@code seconds}: (2^((i-1)/4), 2^(i/4)]. */
  private static long nativeIndex(double seconds) {
    return (long) Math.ceil(Math.log(seconds) / Math.log(2) * 4);
  }

  private static double bucket(MetricsText m, String process, String le) {
    return m.value("syscall_duration_seconds_bucket", "syscall", "nanosleep", "process", process,
        "le", le);
  }

  static Metrics.Histogram protobufHistogram(String family, String syscall, String process)
      throws Exception {
    return MetricsText.protobufHistogram(exporter.getBytes("/metrics", MetricsText.PROTOBUF),
        family, "syscall=" + syscall, "process=" + process);
  }

  /** Non-empty native buckets as (index, count) pairs, decoded from spans and deltas. */
  static List<long[]> nativeBuckets(Metrics.Histogram h) {
    List<long[]> out = new ArrayList<>();
    int index = 0;
    long count = 0;
    int delta = 0;
    for (Metrics.BucketSpan span : h.getPositiveSpanList()) {
      index += span.getOffset();
      for (int i = 0; i < span.getLength(); i++) {
        count += h.getPositiveDelta(delta++);
        if (count > 0) {
          out.add(new long[] {index, count});
        }
        index++;
      }
    }
    return out;
  }
}
