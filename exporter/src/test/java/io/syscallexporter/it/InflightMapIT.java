package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-flight map stays exact: threads that die inside a syscall leave no entry, and with
 * 10,000 threads blocked at once the gauge counts exactly those the policy counts.
 */
class InflightMapIT {
  private static final Pattern ENTRY_PID = Pattern.compile("\"pid\":(\\d+)");
  private static ExporterProcess exporter;

  @BeforeAll
  static void start() throws Exception {
    KernelRequired.check();
    // nanosleep waits by design; a configured timeout makes it count, pipe reads still do not.
    exporter = ExporterProcess.startWithConfig("timeouts:\n  syscalls:\n    nanosleep: 1s\n",
        "--scan.interval=500ms");
  }

  @AfterAll
  static void stop() throws Exception {
    if (exporter != null) {
      exporter.close();
    }
  }

  @Test
  void threadsThatExitInsideTheExitSyscallLeaveNoEntry() throws Exception {
    Workload w = Workload.start(Workload.uniqueName("ex"), "threads", "200", "exit");
    try {
      // 200 threads entered exit(2), which never returns; the main thread waits in pause().
      awaitEntries(w.pid(), 1);
      assertThat(entriesOf(w.pid())).isEqualTo(1);
    } finally {
      w.kill();
    }
    awaitEntries(w.pid(), 0);
  }

  @Test
  void tenThousandBlockedThreadsAreCountedExactly() throws Exception {
    int threads = 10_000;
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
      // Every thread plus the main one is in the map.
      assertThat(entriesOf(w.pid())).isEqualTo(threads + 1);
    } finally {
      w.kill(); // SIGKILL: every thread dies inside its syscall
    }
    awaitEntries(w.pid(), 0);
    Thread.sleep(1100);
    assertThat(exporter.scrape().value("syscall_timed_out", "syscall", "nanosleep", "process",
        w.name)).isZero();
  }

  private static void awaitEntries(long pid, int expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    int n = entriesOf(pid);
    while (n != expected && System.nanoTime() < deadline) {
      Thread.sleep(100);
      n = entriesOf(pid);
    }
    assertThat(n).as("in-flight entries of pid %d", pid).isEqualTo(expected);
  }

  /** In-flight map entries of one process, read with bpftool straight from the kernel. */
  private static int entriesOf(long pid) throws Exception {
    String dump = TestBinaries.run("bpftool", "-j", "map", "dump", "name", "inflight");
    int n = 0;
    Matcher m = ENTRY_PID.matcher(dump);
    while (m.find()) {
      if (Long.parseLong(m.group(1)) == pid) {
        n++;
      }
    }
    return n;
  }
}
