package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.syscalls.SyscallTable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The timed-out gauge at the edges of what the programs see: a call stuck since before the
 * exporter started (and across its restart), and waits that a stop and continue resume as
 * {@code restart_syscall}.
 */
class InFlightEdgesIT {
  private static final SyscallTable SYSCALLS = SyscallTable.forThisMachine();
  private static final long TIMEOUT_MILLIS = 2000;
  private static final long SCAN_MILLIS = 500;

  @BeforeAll
  static void kernel() throws Exception {
    KernelRequired.check();
  }

  private static ExporterProcess exporter(String... more) throws Exception {
    List<String> flags = new java.util.ArrayList<>(List.of(
        "--syscall.timeout=" + TIMEOUT_MILLIS + "ms", "--scan.interval=" + SCAN_MILLIS + "ms"));
    flags.addAll(List.of(more));
    return ExporterProcess.start(flags.toArray(String[]::new));
  }

  @Test
  void aReadHungBeforeTheExporterStartedIsListedAndStaysListedAcrossARestart() throws Exception {
    try (HangFs fs = HangFs.mount(3600)) {
      long launched = System.nanoTime();
      Workload reader = Workload.start(Workload.uniqueName("pre"), "read",
          fs.slowFile().toString());
      try {
        awaitTrue("the reader blocked in read", 10,
            () -> SYSCALLS.name(reader.currentSyscall()).equals("read"));
        long blocked = System.nanoTime();
        Thread.sleep(TIMEOUT_MILLIS + 1000); // past the timeout before any exporter runs
        String[] labels = {"syscall", "read", "process", reader.name};
        for (String run : List.of("first start", "after a restart")) {
          try (ExporterProcess exporter = exporter()) {
            // Past its timeout already: listed by the first scans, not a timeout later (the
            // 5th scan, at 2 s). Counted in scans, read in the scrape that first lists it.
            double[] scansWhenListed = {0};
            awaitTrue("the hung read listed " + run, 10, () -> {
              MetricsText m = exporter.scrape();
              scansWhenListed[0] = m.value("syscall_exporter_scans_total");
              return Double.valueOf(1).equals(m.find("syscall_timed_out", labels));
            });
            assertThat(scansWhenListed[0]).as("scans until listed, " + run)
                .isLessThan(1 + TIMEOUT_MILLIS / SCAN_MILLIS);
            Map<String, Object> call = callOf(exporter, reader.pid());
            assertThat(call).containsEntry("syscall", "read")
                .containsEntry("file", fs.slowFile().toString())
                .containsEntry("age_is_lower_bound", true);
            // A lower bound: never more than the truth, and here nearly all of it.
            double age = ((Number) call.get("age_seconds")).doubleValue();
            assertThat(age).as("age, " + run).isLessThanOrEqualTo(
                seconds(System.nanoTime() - launched) + 0.2)
                .isGreaterThanOrEqualTo(seconds(System.nanoTime() - blocked) - 1.0);
            assertThat(exporter.scrape().value("syscall_timeouts_total", labels)).isEqualTo(1);
            assertThat(exporter.log()).contains("msg=\"syscall timed out\" syscall=read"
                + " age_seconds_at_least=");
            if (run.startsWith("after")) {
              // It returns: gone from the gauge, and not in the histogram (its start is
              // unknown), while the reader's later calls are.
              fs.kill();
              assertThat(reader.exitsWithin(10)).isTrue();
              awaitTrue("the gauge back to 0", 10, () -> Double.valueOf(0).equals(
                  exporter.scrape().find("syscall_timed_out", labels)));
              MetricsText m = exporter.scrape();
              assertThat(m.find("syscall_duration_seconds_count", labels)).isNull();
              assertThat(m.find("syscall_duration_seconds_count", "syscall", "exit_group",
                  "process", reader.name)).isNull(); // never returns, never counted
              assertThat(exporter.log()).contains("msg=\"timed-out syscall returned\""
                  + " syscall=read latency_seconds_at_least=");
            }
          }
        }
      } finally {
        fs.kill(); // first: until it goes, the stuck read holds off even SIGKILL
        reader.kill();
      }
    }
  }

  @Test
  void waitsStoppedAndContinuedAreNotTimedOut() throws Exception {
    Workload before = Workload.start(Workload.uniqueName("sb"), "block", "nanosleep");
    JavaService jvm = JavaService.start(null); // its own threads wait: futex, epoll, sleeps
    try (ExporterProcess exporter = exporter()) {
      Workload after = Workload.start(Workload.uniqueName("sa"), "block", "nanosleep");
      try {
        exporter.awaitScans(2); // one has seeded the call that began before
        List<Long> pids = List.of(before.pid(), after.pid(), jvm.pid());
        stopAndContinue(pids);
        for (Workload w : List.of(before, after)) {
          assertThat(SYSCALLS.name(w.currentSyscall())).as("resumed").isEqualTo(
              "restart_syscall");
        }
        Thread.sleep(TIMEOUT_MILLIS + 4 * SCAN_MILLIS);
        String json = exporter.get("/api/v1/timed-out", "application/json").body();
        String log = exporter.log();
        for (long pid : pids) {
          assertThat(json).as("calls of %s, stopped and continued", pid)
              .doesNotContain("\"pid\":" + pid + ",");
          assertThat(log).doesNotContain(" pid=" + pid + " ");
        }
      } finally {
        after.kill();
      }
    } finally {
      before.kill();
      jvm.close();
    }
  }

  @Test
  void aResumedWaitKeepsTheTimeoutOfTheCallItResumes() throws Exception {
    // nanosleep counts after 3 s here: so does the restart_syscall that resumes one, whether
    // it began before the exporter (its number seeded) or after.
    Workload before = Workload.start(Workload.uniqueName("rb"), "block", "nanosleep");
    try (ExporterProcess exporter = ExporterProcess.startWithConfig(
        "timeouts:\n  syscalls:\n    nanosleep: 3s\n", "--scan.interval=" + SCAN_MILLIS + "ms")) {
      Workload after = Workload.start(Workload.uniqueName("ra"), "block", "nanosleep");
      try {
        exporter.awaitScans(2); // one has seeded the call that began before
        stopAndContinue(List.of(before.pid(), after.pid()));
        long continued = System.nanoTime();
        for (Workload w : List.of(before, after)) {
          awaitTrue("the resumed nanosleep of " + w.name + " listed", 10,
              () -> callOf(exporter, w.pid()) != null
                  && "restart_syscall".equals(callOf(exporter, w.pid()).get("syscall")));
          Map<String, Object> call = callOf(exporter, w.pid());
          assertThat(call).containsEntry("resumes", "nanosleep")
              .containsEntry("age_is_lower_bound", false);
        }
        assertThat(seconds(System.nanoTime() - continued)).isGreaterThanOrEqualTo(3.0);
        assertThat(exporter.scrape().value("syscall_timed_out", "syscall", "restart_syscall",
            "process", after.name)).isEqualTo(1);
        assertThat(exporter.log()).contains("syscall=restart_syscall resumes=nanosleep");
      } finally {
        after.kill();
      }
    } finally {
      before.kill();
    }
  }

  /** SIGSTOP, a moment stopped, SIGCONT: as Ctrl-Z and fg, a debugger or docker pause do. */
  private static void stopAndContinue(List<Long> pids) throws Exception {
    signal("-STOP", pids);
    Thread.sleep(300);
    signal("-CONT", pids);
    Thread.sleep(100);
  }

  private static void signal(String signal, List<Long> pids) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("kill", signal));
    pids.forEach(p -> cmd.add(Long.toString(p)));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
  }

  /** The timed-out call of process {@code pid} in the exporter's JSON, or null. */
  private static Map<String, Object> callOf(ExporterProcess exporter, long pid)
      throws Exception {
    return Json.timedOutCall(exporter.get("/api/v1/timed-out", "application/json").body(),
        "pid", pid);
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
