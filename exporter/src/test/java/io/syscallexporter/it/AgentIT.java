package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Agent mode in a real JVM: a plain Java service, with its own older versions of client_java,
 * Guice, SnakeYAML and Dropwizard on its class path, measured per Java thread pool by the
 * agent, through /metrics and through JMX, loaded at start or attached later; and left alone
 * when the agent cannot run.
 */
class AgentIT {
  static final String POOL = "io-worker-*";
  static final String LONG_POOL = "an-io-thread-named-longer-than-fifteen-*";
  static final Path JMX_EXPORTER = Path.of(System.getProperty("jmx.exporter",
      "target/jmx-exporter/jmx_prometheus_javaagent.jar")).toAbsolutePath();

  @TempDir
  static Path dir;
  static Path file;

  @BeforeAll
  static void kernelAndFile() throws IOException {
    KernelRequired.check();
    file = dir.resolve("data");
    Files.write(file, new byte[1 << 16]);
  }

  /** What the service's "pools" threads are labelled, and how many reads each pool makes. */
  static final Map<String, Integer> POOLS = Map.of("payments-worker-*", 1, "payments-worker-dlq",
      1, "qtp*-*", 2, "qtp*-*-acceptor-0@*-ServerConnector@*{HTTP/1.1}{0.0.0.0:8080}", 1);

  /**
   * Two pools whose names share their first 15 bytes, and a Jetty-like pool whose acceptor's
   * comm is a pool thread's name: each counted exactly under its own label, and nothing under
   * the comm they share.
   */
  static void poolsAreKeptApart(Callable<MetricsText> scrape, JavaService service,
      String process, Path file) throws Exception {
    service.command("pools 100 " + file, "pools started");
    // New threads are named within a second; two pools that share a comm need the JVM's
    // thread dump, which the agent takes at most every 5 s.
    Thread.sleep(7000);
    service.command("go", "pools done");
    MetricsText m = scrape.call();
    POOLS.forEach((thread, threads) -> assertThat(m.find("syscall_duration_seconds_count",
        "process", process, "syscall", "read", "thread", thread)).as("%s among %s", thread,
            m.samples("syscall_duration_seconds_count").stream()
                .filter(s -> process.equals(s.labels().get("process"))
                    && "read".equals(s.labels().get("syscall"))).toList())
        .isEqualTo(100.0 * threads));
    // The threads' first calls (their start) may count under the comm until they are named;
    // their reads came after.
    assertThat(m.samples("syscall_duration_seconds_count").stream()
        .filter(s -> "read".equals(s.labels().get("syscall")))
        .map(s -> s.labels().get("thread"))).doesNotContain("payments-worker");
  }

  @Test
  void everyClassOfTheJarIsOursOrRelocated() throws Exception {
    try (JarFile jar = new JarFile(ExporterProcess.JAR.toFile())) {
      List<String> foreign = jar.stream().map(JarEntry::getName)
          .filter(n -> n.endsWith(".class"))
          // jffi keeps its name: its native library binds JNI functions by class name.
          .filter(n -> !n.startsWith("io/syscallexporter/") && !n.startsWith("com/kenai/jffi/"))
          .toList();
      assertThat(foreign).isEmpty();
      assertThat(jar.getManifest().getMainAttributes().getValue("Premain-Class"))
          .isEqualTo("io.syscallexporter.Agent");
    }
  }

  @Test
  void countsEachPoolExactlyAndNothingOutsideTheJvm() throws Exception {
    int port = ExporterProcess.freePort();
    Set<Integer> before = LifecycleIT.ourPrograms();
    try (JavaService service = JavaService.start("--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port);
      Set<Integer> loaded = LifecycleIT.ourPrograms();
      loaded.removeAll(before);
      assertThat(loaded).as("programs the agent loaded").hasSize(5);
      // Another process on the host calls away meanwhile: it must not appear.
      Workload.run(Workload.uniqueName("other"), "getppid", "1000");
      service.command("io 4 1000 " + file, "io done");
      service.command("long 10 " + file, "long done");
      poolsAreKeptApart(() -> service.scrape(port), service, "java", file);

      MetricsText m = service.scrape(port);
      assertThat(m.value("syscall_duration_seconds_count", "process", "java", "syscall", "read",
          "thread", POOL)).isEqualTo(4000);
      assertThat(m.value("syscall_duration_seconds_count", "process", "java", "syscall", "read",
          "thread", LONG_POOL)).isEqualTo(10);
      assertThat(m.samples("syscall_duration_seconds_count")).allSatisfy(s -> {
        assertThat(s.labels()).containsEntry("process", "java").containsKey("thread");
      });
      assertThat(m.samples("syscall_duration_seconds_count").stream()
          .map(s -> s.labels().get("thread"))).contains("main").noneMatch(t -> t.matches(".*\\d$"));

      // The same counts over JMX, read from this JVM as a JMX tool would.
      Map<String, Object> read = service.jmx("java", "syscall_duration_nanoseconds", POOL,
          "Count", 4000L);
      assertThat((Double) read.get("Mean")).isPositive();
      assertThat((Double) read.get("99thPercentile"))
          .isGreaterThanOrEqualTo((Double) read.get("50thPercentile")).isPositive();

      assertThat(service.get(port, "/")).contains("this JVM (pid " + service.pid() + ")");
      // One JVM's map: a fifth of a host's.
      assertThat(m.value("syscall_exporter_map_max_entries", "map", "hist")).isEqualTo(2048);

      assertThat(service.exit()).isZero();
      assertThat(service.stderr()).contains("syscall_exporter agent started");
      assertThat(LifecycleIT.stillLoaded(loaded)).as("programs left after the JVM's exit")
          .isEmpty();
    }
  }

  @Test
  void measuresAJvmInAPidNamespaceOfItsOwn() throws Exception {
    int port = ExporterProcess.freePort();
    // As in a container: the JVM is pid 1 of its own namespace, with its own /proc.
    try (JavaService service = JavaService.start(List.of("unshare", "--pid", "--fork",
        "--mount-proc"), "--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port);
      assertThat(service.get(port, "/")).contains("this JVM (pid 1)");
      service.command("io 4 1000 " + file, "io done");
      assertThat(service.scrape(port).value("syscall_duration_seconds_count", "process", "java",
          "syscall", "read", "thread", POOL)).isEqualTo(4000);
      assertThat(service.exit()).isZero();
    }
  }

  /**
   * Prometheus' jmx_exporter agent in the same JVM, with the minimal config everyone starts
   * from: our MBeans come out as a handful of metric names, labels by syscall, process and
   * thread, and the same count as our own /metrics.
   */
  @Test
  void jmxExporterReadsOurMBeansAsAFewMetricNamesWithLabels() throws Exception {
    int port = ExporterProcess.freePort();
    int jmxPort = ExporterProcess.freePortOtherThan(port);
    Path config = dir.resolve("jmx-exporter.yml");
    Files.writeString(config, "rules:\n  - pattern: \".*\"\n");
    // jmx_exporter does not relocate its client_java: the service's own, older one (1.0.0)
    // would shadow it and its /metrics fail (NoSuchMethodError), so its jar goes first.
    try (JavaService service = JavaService.start(List.of(), List.of("-javaagent:"
        + JMX_EXPORTER + "=127.0.0.1:" + jmxPort + ":" + config, "-cp", JMX_EXPORTER.toString()),
        "--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port);
      service.command("io 4 1000 " + file, "io done");
      double ours = service.scrape(port).value("syscall_duration_seconds_count", "process",
          "java", "syscall", "read", "thread", POOL);
      assertThat(ours).isEqualTo(4000);
      awaitTrue("jmx_exporter shows the count", 30, () -> jmxExporterCount(service, jmxPort)
          == ours);
      MetricsText m = service.scrape(jmxPort);
      List<String> names = m.names().stream().filter(n -> n.startsWith("syscall_exporter"))
          .sorted().toList();
      // One per MBean attribute: 12 of the histogram, slow's Count, timed_out's Count.
      assertThat(names).as("metric names from our domain").hasSizeBetween(3, 14)
          .allSatisfy(n -> assertThat(n).doesNotContain("io_worker", "qtp", "Compiler"));
    }
  }

  /**
   * syscall_exporter_syscall_duration_nanoseconds_Count of (read, io-worker-*), or -1 while
   * jmx_exporter does not answer or show it yet.
   */
  private static double jmxExporterCount(JavaService service, int jmxPort) throws Exception {
    MetricsText m;
    try {
      m = service.scrape(jmxPort);
    } catch (IOException e) {
      return -1; // its server is not up yet
    }
    return m.samples("syscall_exporter_syscall_duration_nanoseconds_Count").stream()
        .filter(s -> "read".equals(s.labels().get("syscall"))
            && String.valueOf(s.labels().get("thread")).contains("io-worker-"))
        .mapToDouble(MetricsText.Sample::value).findFirst().orElse(-1);
  }

  @Test
  void threadsThatComeAndGoStayOneLabelSetEach() throws Exception {
    int port = ExporterProcess.freePort();
    try (JavaService service = JavaService.start("--web.listen-address=127.0.0.1:" + port
        + ",--drain.interval=200ms")) {
      service.awaitAgent(port);
      service.command("churn 5000 " + file, "churn done");
      MetricsText m = service.scrape(port);
      assertThat(m.value("syscall_duration_seconds_count", "process", "java", "syscall", "read",
          "thread", "churn-*")).isEqualTo(5000);
      // 5,000 threads: a handful of label sets (one per syscall a thread makes), not thousands.
      long churnSets = m.samples("syscall_duration_seconds_count").stream()
          .filter(s -> "churn-*".equals(s.labels().get("thread"))).count();
      assertThat(churnSets).isBetween(1L, 40L);
      assertThat(m.value("syscall_exporter_label_sets")).isLessThan(400);
      assertThat(m.value("syscall_exporter_map_update_failures_total", "map", "hist")).isZero();
      assertThat(service.exit()).isZero();
    }
  }

  /**
   * How the service runs: as is, or as pid 1 of its own pid namespace (a container's), there
   * also as on kernels before 6.1, whose iterators cannot be limited to one process.
   */
  enum Setting {
    PLAIN(List.of(), List.of()),
    PID_NAMESPACE(List.of("unshare", "--pid", "--fork", "--mount-proc"), List.of()),
    PID_NAMESPACE_BEFORE_LINUX_6_1(PID_NAMESPACE.prefix,
        List.of("-Dsyscall_exporter.iterators.unfiltered=true"));

    final List<String> prefix;
    final List<String> jvmOptions;

    Setting(List<String> prefix, List<String> jvmOptions) {
      this.prefix = prefix;
      this.jvmOptions = jvmOptions;
    }
  }

  @ParameterizedTest
  @EnumSource(Setting.class)
  void showsTheJavaStackAndFileOfACallStuckOnAHungFile(Setting setting) throws Exception {
    HangFs fs = HangFs.mount(3600);
    int port = ExporterProcess.freePort();
    JavaService service = JavaService.start(setting.prefix, setting.jvmOptions,
        "--web.listen-address=127.0.0.1:" + port + ",--syscall.timeout=1s,--scan.interval=200ms");
    try {
      service.awaitAgent(port);
      service.command("hang " + fs.slowFile(), "hang started");

      Map<String, Object> call = awaitWithJavaStack(service, port, "fuse-reader-1", 30);
      assertThat(call).containsEntry("syscall", "read")
          .containsEntry("file", fs.slowFile().toString());
      assertThat(Json.list(call.get("java_stack"))).anySatisfy(frame ->
          assertThat((String) frame).startsWith("IoService.readHungFile("));
      assertThat(service.scrape(port).value("syscall_timed_out", "process", "java",
          "syscall", "read", "thread", "fuse-reader-*")).isEqualTo(1);
      assertThat(service.stderr()).contains("thread=fuse-reader-1", "java_stack=");
      assertThat(service.stderr().contains("BPF iterators run over every task"))
          .as("iterators unfiltered").isEqualTo(setting == Setting.PID_NAMESPACE_BEFORE_LINUX_6_1);
      if (setting == Setting.PLAIN) {
        Prometheus.assertPanelsHaveData(Path.of("../grafana-dashboards/jvm.json"), port, dir);
      }
    } finally {
      // First the FUSE server: until it goes, the stuck read holds off even SIGKILL.
      fs.close();
      service.close();
    }
  }

  @Test
  void aSlowCallIsLoggedWithTheFullJavaThreadName() throws Exception {
    int port = ExporterProcess.freePort();
    try (HangFs fs = HangFs.mount(2);
        JavaService service = JavaService.start("--web.listen-address=127.0.0.1:" + port
            + ",--slow.threshold=1s")) {
      service.awaitAgent(port);
      service.command("long 1 " + fs.slowFile(), "long done"); // one 2 s read
      awaitTrue("the slow-call line", 30,
          () -> service.stderr().contains("msg=\"slow syscall\""));
      String line = service.stderr().lines().filter(l -> l.contains("msg=\"slow syscall\""))
          .findFirst().orElseThrow();
      assertThat(line).contains("syscall=read", "process=java",
          "thread=" + LONG_POOL.replace("*", "1"));
      assertThat(service.scrape(port).value("syscall_slow_total", "process", "java",
          "syscall", "read", "thread", LONG_POOL)).isEqualTo(1);
      assertThat(service.exit()).isZero();
    }
  }

  @Test
  void attachesToARunningService() throws Exception {
    int port = ExporterProcess.freePort();
    try (JavaService service = JavaService.start(null)) {
      service.command("io 4 1000 " + file, "io done"); // before the attach: not counted
      ExporterProcess.Exit attach = ExporterProcess.runToExit("attach",
          Long.toString(service.pid()), "--web.listen-address=127.0.0.1:" + port);
      assertThat(attach.code()).as(attach.stderr()).isZero();
      assertThat(attach.stdout()).contains("agent running in JVM " + service.pid());
      service.awaitAgent(port);
      service.command("io 4 1000 " + file, "io done");
      assertThat(service.scrape(port).value("syscall_duration_seconds_count", "process", "java",
          "syscall", "read", "thread", POOL)).isEqualTo(4000);

      // A second attach finds it running and starts nothing.
      ExporterProcess.Exit again = ExporterProcess.runToExit("attach",
          Long.toString(service.pid()), "--web.listen-address=127.0.0.1:" + port);
      assertThat(again.stdout()).contains("serving on 127.0.0.1:" + port);
      assertThat(service.exit()).isZero();
    }
  }

  /**
   * A stuck call of {@code thread} as /api/v1/timed-out lists it once it has its Java stack:
   * listed at once by its comm, the stack follows as soon as the JVM has said it.
   */
  static Map<String, Object> awaitWithJavaStack(JavaService service, int port, String thread,
      int seconds) throws Exception {
    awaitTrue("the stuck call of " + thread + " listed with its Java stack", seconds, () -> {
      Map<String, Object> c = Json.timedOutCall(service.get(port, "/api/v1/timed-out"),
          "thread", thread);
      return c != null && !Json.list(c.get("java_stack")).isEmpty();
    });
    return Json.timedOutCall(service.get(port, "/api/v1/timed-out"), "thread", thread);
  }

  @Test
  void attachFindsAThreadThatWasStuckBeforeIt() throws Exception {
    HangFs fs = HangFs.mount(3600);
    int port = ExporterProcess.freePort();
    JavaService service = JavaService.start(null);
    try {
      service.command("hang " + fs.slowFile(), "hang started");
      Thread.sleep(1500); // stuck past the timeout before anyone looks: why one attaches
      ExporterProcess.Exit attach = ExporterProcess.runToExit("attach",
          Long.toString(service.pid()), "--web.listen-address=127.0.0.1:" + port,
          "--syscall.timeout=1s", "--scan.interval=200ms");
      assertThat(attach.code()).as(attach.stderr()).isZero();
      Map<String, Object> call = awaitWithJavaStack(service, port, "fuse-reader-1", 10);
      assertThat(call).containsEntry("syscall", "read")
          .containsEntry("file", fs.slowFile().toString())
          .containsEntry("age_is_lower_bound", true);
      assertThat(((Number) call.get("age_seconds")).doubleValue()).isGreaterThan(1.0);
      assertThat(Json.list(call.get("java_stack"))).anySatisfy(frame ->
          assertThat((String) frame).startsWith("IoService.readHungFile("));
      assertThat(service.scrape(port).value("syscall_timed_out", "process", "java",
          "syscall", "read", "thread", "fuse-reader-*")).isEqualTo(1);
    } finally {
      fs.close(); // first: until it goes, the stuck read holds off even SIGKILL
      service.close();
    }
  }

  @Test
  void workRightAfterPremainIsCountedExactly() throws Exception {
    int port = ExporterProcess.freePort();
    // main's first act: 4 threads x 1,000 reads, before any command could be sent.
    try (JavaService service = JavaService.startCompiled(List.of("-Dio.at-start=" + file),
        "--web.listen-address=127.0.0.1:" + port)) {
      service.awaitAgent(port); // "service ready" came after the reads
      assertThat(service.scrape(port).value("syscall_duration_seconds_count", "process", "java",
          "syscall", "read", "thread", POOL)).isEqualTo(4000);
      assertThat(service.stderr()).doesNotContain("programs not attached yet");
      assertThat(service.exit()).isZero();
    }
  }

  @Test
  void anUnprivilegedServiceRunsOnWithOneWarning() throws Exception {
    try (JavaService service = JavaService.start(List.of("setpriv", "--reuid=nobody",
        "--regid=nogroup", "--clear-groups", "--inh-caps=-all"),
        "--web.listen-address=127.0.0.1:" + ExporterProcess.freePort())) {
      service.command("io 1 10 /etc/os-release", "io done"); // readable by nobody
      assertThat(service.exit()).isZero();
      // On Java 24+ the JVM warns about the service's own old Guava (sun.misc.Unsafe): not ours.
      List<String> lines = service.stderr().lines()
          .filter(l -> !l.startsWith("WARNING: ") || !l.contains("Unsafe")).toList();
      assertThat(lines).hasSize(1);
      assertThat(lines.get(0)).contains("level=warn", "syscall_exporter agent not started",
          "CAP_BPF");
    }
  }
}
