package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-flight state stays exact through every way a thread can leave a syscall: an exec from
 * a non-leader thread, death inside a call, pid reuse, and 10,000 threads blocked at once.
 */
class InflightMapIT {
  private static final Path NS_LAST_PID = Path.of("/proc/sys/kernel/ns_last_pid");
  private static ExporterProcess exporter;

  @BeforeAll
  static void start() throws Exception {
    KernelRequired.check();
    // nanosleep waits by design; a configured timeout makes it count, pipe reads still do not.
    exporter = ExporterProcess.startWithConfig("timeouts:\n  syscalls:\n    nanosleep: 1s\n",
        "--syscall.timeout=1s", "--scan.interval=250ms");
  }

  @AfterAll
  static void stop() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
  }

  @Test
  void anExecFromANonLeaderThreadLeavesNoStuckExecve() throws Exception {
    // The thread's execve returns in the new program under the process's pid, not its own tid.
    Workload w = Workload.start(Workload.uniqueName("xt"), "exec-thread", "4");
    try {
      Thread.sleep(2500); // past the 1 s timeout of execve, a prompt call, many scans over
      MetricsText m = exporter.scrape();
      assertThat(m.samples("syscall_timed_out"))
          .as("no execve counts as stuck")
          .noneMatch(s -> s.labels().get("syscall").equals("execve") && s.value() > 0);
      assertThat(stuckTids()).doesNotContain(w.pid());
      assertThat(w.exitsWithin(10)).as("sleep 4 ends").isTrue();
    } finally {
      w.kill();
    }
  }

  @Test
  void aThreadKilledInsideACallAndItsReusedPidLeaveNothingStale() throws Exception {
    // A thread stuck in nanosleep, past its configured 1 s: counted.
    Workload sleeper = Workload.start(Workload.uniqueName("pr"), "threads", "1", "nanosleep");
    long tid = sleeper.pid() + 1; // the one thread, created right after the process
    String[] labels = {"syscall", "nanosleep", "process", sleeper.name};
    awaitGauge(labels, 1);
    assertThat(stuckTids()).contains(tid);

    sleeper.kill(); // SIGKILL: the thread dies inside nanosleep, never reaching sys_exit
    awaitGauge(labels, 0);
    assertThat(stuckTids()).doesNotContain(tid);

    // A new process takes the dead thread's id, and blocks in a read of a pipe (a wait).
    Workload reuser = null;
    for (int attempt = 0; attempt < 5 && reuser == null; attempt++) {
      Files.writeString(NS_LAST_PID, Long.toString(tid - 1));
      Workload w = Workload.start(Workload.uniqueName("ru"), "block", "pipe");
      if (w.pid() == tid) {
        reuser = w;
      } else {
        w.kill(); // another process took the id first: try again
      }
    }
    assertThat(reuser).as("a process reusing pid %d", tid).isNotNull();
    try {
      Thread.sleep(1500); // past every timeout, several scans
      assertThat(stuckTids()).doesNotContain(tid);
      assertThat(exporter.scrape().find("syscall_timed_out", "syscall", "read", "process",
          reuser.name)).isNull();
      assertThat(exporter.scrape().value("syscall_timed_out", labels)).isZero();
      assertThat(exporter.scrape().value("syscall_timeouts_total", labels)).isEqualTo(1);
    } finally {
      reuser.kill();
    }
  }

  @Test
  void threadsThatExitInsideTheExitSyscallAreNotInACall() throws Exception {
    double before = inSyscall();
    Workload w = Workload.start(Workload.uniqueName("ex"), "threads", "200", "exit");
    try {
      // 200 threads entered exit(2), which never returns; the main thread waits in pause().
      Thread.sleep(600);
      assertThat(inSyscall()).as("threads inside a syscall").isLessThan(before + 100);
    } finally {
      w.kill();
    }
  }

  @Test
  void tenThousandBlockedThreadsAreCountedExactly() throws Exception {
    int threads = 10_000;
    double before = inSyscall();
    Workload w = Workload.start(Workload.uniqueName("tt"), "threads", Integer.toString(threads),
        "mixed");
    try {
      String[] sleeping = {"syscall", "nanosleep", "process", w.name};
      Double counted = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while ((counted == null || counted != threads / 2) && System.nanoTime() < deadline) {
        Thread.sleep(250);
        counted = exporter.scrape().find("syscall_timed_out", sleeping);
      }
      assertThat(counted).as("threads in nanosleep past 1 s").isEqualTo(threads / 2);
      MetricsText m = exporter.scrape();
      assertThat(m.find("syscall_timed_out", "syscall", "read", "process", w.name))
          .as("pipe reads wait by design").isNull();
      assertThat(m.value("syscall_timeouts_total", sleeping)).isEqualTo(threads / 2);
      // Every thread and the main one are inside a call.
      assertThat(inSyscall()).isGreaterThanOrEqualTo(before + threads);
    } finally {
      w.kill(); // SIGKILL: every thread dies inside its syscall
    }
    String[] sleeping = {"syscall", "nanosleep", "process", w.name};
    awaitGauge(sleeping, 0);
    assertThat(exporter.scrape().value("syscall_timeouts_total", sleeping))
        .as("each counted once").isEqualTo(threads / 2);
    assertThat(inSyscall()).as("threads inside a syscall after the kill")
        .isLessThan(before + 100);
  }

  private static void awaitGauge(String[] labels, double expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Double v = exporter.scrape().find("syscall_timed_out", labels);
    while ((v == null || v != expected) && System.nanoTime() < deadline) {
      Thread.sleep(100);
      v = exporter.scrape().find("syscall_timed_out", labels);
    }
    assertThat(v).as("syscall_timed_out %s", String.join(",", labels)).isEqualTo(expected);
  }

  /** Threads inside a syscall at the last scan, as the kernel's iterator counted them. */
  private static double inSyscall() throws Exception {
    exporter.awaitScans(2); // a scan begun after now
    return exporter.scrape().value("syscall_exporter_map_entries", "map", "inflight");
  }

  /** Thread ids of the calls on the on-call JSON. */
  private static List<Long> stuckTids() throws Exception {
    exporter.awaitScans(2); // a scan begun after now
    String json = exporter.get("/api/v1/timed-out", "application/json").body();
    return Json.timedOut(json).stream().map(c -> ((Number) c.get("tid")).longValue()).toList();
  }
}
