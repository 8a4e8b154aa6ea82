package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * sys_exit finds a thread's histogram slot in the thread's own slot cache (by syscall, stripe
 * and drain generation), emptied when what names the thread's series changes. Counts stay exact
 * when a thread makes more kinds of calls than its cache holds, when its process is renamed
 * under it, and across drains.
 */
class SeriesSlotsIT {
  /** workload.c's mixed_round, in its order: 22 syscalls, more than the cache's 16 entries. */
  private static final List<String> MIXED = List.of("getppid", "getpid", "gettid", "getuid",
      "geteuid", "getgid", "getegid", "getsid", "getpgid", "sched_yield", "getpriority", "umask",
      "times", "sched_getscheduler", "sysinfo", "uname", "getrusage", "getresuid", "getresgid",
      "personality", "sched_getaffinity", "getcwd");

  @Test
  void moreKindsOfCallsThanTheCacheHoldsCountEachExactly() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start("--drain.interval=100ms")) {
      Workload w = Workload.run(Workload.uniqueName("mx"), "mixed", "50000");
      MetricsText m = exporter.scrape();
      for (String call : MIXED) {
        assertThat(m.value("syscall_duration_seconds_count", "syscall", call, "process", w.name))
            .as(call).isEqualTo(50_000);
      }
    }
  }

  @Test
  void aThreadCountsUnderItsProcesssNewNameFromTheFirstCallAfterTheRename() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start()) {
      String renamed = Workload.uniqueName("rn");
      // One thread: 1,000 getppid, the leader renames the process, the same thread 1,000 more.
      Workload w = Workload.run(Workload.uniqueName("rn"), "rename", "1000", renamed);
      MetricsText m = exporter.scrape();
      assertThat(m.value("syscall_duration_seconds_count", "syscall", "getppid", "process",
          w.name)).as("before the rename").isEqualTo(1000);
      assertThat(m.value("syscall_duration_seconds_count", "syscall", "getppid", "process",
          renamed)).as("after the rename").isEqualTo(1000);
    }
  }
}
