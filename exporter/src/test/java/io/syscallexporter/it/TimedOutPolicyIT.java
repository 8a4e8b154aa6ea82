package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The default timeout policy against real blocking: a read hung in a FUSE file system counts,
 * waits by design do not; the on-call page and JSON show the hung read, in a real browser.
 */
class TimedOutPolicyIT {
  private static final SyscallTable SYSCALLS = SyscallTable.forThisMachine();
  private static ExporterProcess exporter;

  @BeforeAll
  static void start() throws Exception {
    KernelRequired.check();
    exporter = ExporterProcess.start("--syscall.timeout=2s", "--scan.interval=500ms");
  }

  @AfterAll
  static void stop() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
  }

  @Test
  void hungFileReadCountsAndWaitsByDesignDoNot() throws Exception {
    HangFs fs = HangFs.mount(8);
    Path mnt = fs.mnt;
    List<Workload> waiters = new ArrayList<>();
    try {
      Map<String, Set<String>> waits = new LinkedHashMap<>();
      waits.put("epoll", Set.of("epoll_wait", "epoll_pwait"));
      waits.put("futex", Set.of("futex"));
      waits.put("nanosleep", Set.of("nanosleep"));
      waits.put("pipe", Set.of("read"));
      waits.put("accept", Set.of("accept", "accept4"));
      waits.put("pty", Set.of("read"));
      for (String kind : waits.keySet()) {
        waiters.add(Workload.start(Workload.uniqueName("w" + kind.substring(0, 2)), "block",
            kind));
      }
      long started = System.nanoTime();
      Workload reader = Workload.start(Workload.uniqueName("rd"), "read", mnt + "/slow");
      String[] readLabels = {"syscall", "read", "process", reader.name};

      double gauge = 0;
      while (gauge != 1 && System.nanoTime() - started < TimeUnit.SECONDS.toNanos(4)) {
        Thread.sleep(100);
        Double v = exporter.scrape().find("syscall_timed_out", readLabels);
        gauge = v == null ? 0 : v;
      }
      assertThat(gauge).as("hung read on a file counts").isEqualTo(1);

      // Every waiter is in its wait, past the timeout, and none of them counts.
      MetricsText m = exporter.scrape();
      int i = 0;
      for (Map.Entry<String, Set<String>> wait : waits.entrySet()) {
        Workload w = waiters.get(i++);
        assertThat(SYSCALLS.name(w.currentSyscall())).as("%s is blocked", wait.getKey())
            .isIn(wait.getValue());
        assertThat(m.samples("syscall_timed_out"))
            .as("%s is a wait by design", wait.getKey())
            .noneMatch(s -> s.labels().get("process").equals(w.name) && s.value() > 0);
      }

      String json = exporter.get("/api/v1/timed-out", "application/json").body();
      assertThat(json).contains("\"syscall\":\"read\"", "\"process\":\"" + reader.name + "\"",
          "\"file\":\"" + mnt + "/slow\"", "\"tid\":" + reader.pid());
      // As root the stack is symbolized: it shows the read waiting on the FUSE daemon.
      Map<String, Object> call = Json.timedOutCall(json, "process", reader.name);
      assertThat(Json.list(call.get("kernel_stack"))).map(String::valueOf)
          .anyMatch(frame -> frame.startsWith("fuse_") || frame.startsWith("__fuse_"))
          .anyMatch(frame -> frame.startsWith("vfs_read+"));
      double age = Double.parseDouble(json.replaceAll("(?s).*\"age_seconds\":([0-9.]+).*", "$1"));
      assertThat(age).isBetween(2.0, 8.0);
      for (Workload w : waiters) {
        assertThat(json).doesNotContain(w.name);
      }
      assertThat(exporter.scrape().value("syscall_timed_out_oldest_seconds", readLabels))
          .isGreaterThanOrEqualTo(2.0);

      String url = "http://127.0.0.1:" + exporter.port + "/timed-out";
      String dom = Chromium.dumpDom(url);
      assertThat(dom).contains("<table id=\"timed-out\">", mnt + "/slow", reader.name);
      Chromium.screenshot(url, Path.of("target/on-call-view.png"), 1300, 340);
      assertThat(Path.of("target/on-call-view.png")).isNotEmptyFile();

      reader.awaitExit(20);
      exporter.awaitScans(2); // the first may have begun before it returned
      MetricsText after = exporter.scrape();
      assertThat(after.value("syscall_timed_out", readLabels)).isZero();
      assertThat(after.value("syscall_timeouts_total", readLabels)).isEqualTo(1);
      assertThat(exporter.log()).contains("msg=\"timed-out syscall returned\" syscall=read");
    } finally {
      for (Workload w : waiters) {
        w.kill();
      }
      fs.close();
    }
  }

  @Test
  void worksAsTheSystemdUnitsUserWithItsCapabilities() throws Exception {
    HangFs fs = HangFs.mount(6);
    Path mnt = fs.mnt;
    Workload piper = null;
    try (ExporterProcess nobody = ExporterProcess.startUnprivileged("--syscall.timeout=1s",
        "--scan.interval=250ms")) {
      // Root's processes: their /proc fd links are closed to nobody, the kernel is not.
      piper = Workload.start(Workload.uniqueName("np"), "block", "pipe");
      Workload reader = Workload.start(Workload.uniqueName("nr"), "read", mnt + "/slow");
      String[] readLabels = {"syscall", "read", "process", reader.name};
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
      Double v = null;
      while ((v == null || v != 1) && System.nanoTime() < deadline) {
        Thread.sleep(100);
        v = nobody.scrape().find("syscall_timed_out", readLabels);
      }
      assertThat(v).as("hung FUSE read, seen as nobody with %s",
          ExporterProcess.unitCapabilities()).isEqualTo(1);
      Thread.sleep(500);
      assertThat(nobody.scrape().find("syscall_timed_out", "syscall", "read", "process",
          piper.name)).as("pipe read, a wait by design").isNull();
      String json = nobody.get("/api/v1/timed-out", "application/json").body();
      assertThat(json).contains("\"file\":\"" + mnt + "/slow\"", "\"kernel_stack\":[\"")
          .doesNotContain(piper.name);
      reader.awaitExit(20);
    } finally {
      if (piper != null) {
        piper.kill();
      }
      fs.close();
    }
  }

  @Test
  void configFileMakesAFutexWaitCount() throws Exception {
    try (ExporterProcess withConfig = ExporterProcess.startWithConfig(
        "timeouts:\n  syscalls:\n    futex: 1s\n", "--scan.interval=250ms")) {
      long started = System.nanoTime();
      Workload w = Workload.start(Workload.uniqueName("fx"), "block", "futex");
      try {
        String[] labels = {"syscall", "futex", "process", w.name};
        Double v = null;
        while ((v == null || v != 1)
            && System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(2500)) {
          Thread.sleep(100);
          v = withConfig.scrape().find("syscall_timed_out", labels);
        }
        assertThat(v).as("futex past its configured 1 s timeout").isEqualTo(1);
      } finally {
        w.kill();
      }
    }
  }

  @Test
  void badConfigFileNamesTheKeyAndExitsTwo() throws Exception {
    assertConfigError("timeouts:\n  syscals:\n    futex: 1s\n",
        "timeouts.syscals: unknown key (known here: syscalls, exclude)");
    assertConfigError("timeouts:\n  syscalls:\n    futex: soon\n",
        "timeouts.syscalls.futex: not a duration");
    assertConfigError("slow:\n  include: [futex, fsnyc]\n",
        "slow.include[1]: unknown syscall \"fsnyc\"");
  }

  private static void assertConfigError(String yaml, String expected) throws Exception {
    Path config = Files.createTempFile("config", ".yml");
    Files.writeString(config, yaml);
    ExporterProcess.Exit exit = ExporterProcess.runToExit("--config.file=" + config);
    Files.delete(config);
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.stderr()).contains("config file " + config + ": " + expected);
  }

}
