package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernel holds only counts since the last drain, the exporter the running totals: counts
 * stay exact while drains run, a storm of new process names cannot fill the kernel map, and
 * idle label sets make room for new ones.
 */
class HistogramDrainIT {
  /** Each entry's raw key; its BTF-formatted copy is an object, not a list. */
  private static final Pattern DUMP_KEY = Pattern.compile("\"key\":\\[");

  @Test
  void countsStayExactWhileDrainsRun() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start("--drain.interval=100ms")) {
      double drainsBefore = exporter.scrape().value("syscall_exporter_drains_total");
      long started = System.nanoTime();
      Workload w = Workload.run(Workload.uniqueName("dr"), "getppid-threads", "4", "1000000");
      double seconds = (System.nanoTime() - started) / 1e9;
      MetricsText m = exporter.scrape();
      assertThat(m.value("syscall_duration_seconds_count", "syscall", "getppid", "process",
          w.name)).isEqualTo(4_000_000);
      // Drains ran while the threads did (every 100 ms asked; how many a busy machine manages
      // varies, but the run takes several intervals: at least one).
      assertThat(m.value("syscall_exporter_drains_total") - drainsBefore)
          .as("drains during %.2f s", seconds).isGreaterThanOrEqualTo(1);
      // Counters never go backwards across drains.
      Thread.sleep(300);
      assertThat(exporter.scrape().value("syscall_duration_seconds_count", "syscall", "getppid",
          "process", w.name)).isEqualTo(4_000_000);
    }
  }

  @Test
  void aStormOfProcessNamesNeitherFillsTheMapNorLosesCalls() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start()) {
      MetricsText before = exporter.scrape();
      double failuresBefore = before.value("syscall_exporter_map_update_failures_total", "map",
          "hist");
      // getcpu, which no other program calls: _other is every process's over the limit, and
      // other processes (a shell calls getppid) run while this does.
      double otherBefore = getcpuOf(before, "_other");
      // 20,000 processes, each under a name of its own (40,000 label sets), then one more.
      Workload names = Workload.run(Workload.uniqueName("nm"), "names", "20000", "getcpu");
      Workload last = Workload.run(Workload.uniqueName("ls"), "getcpu", "1000");

      MetricsText m = exporter.scrape();
      double counted = getcpuOf(m, "_other") - otherBefore + getcpuOf(m, last.name);
      for (MetricsText.Sample s : m.samples("syscall_duration_seconds_count")) {
        if (s.labels().get("syscall").equals("getcpu")
            && s.labels().get("process").startsWith(names.name + "_")) {
          counted += s.value();
        }
      }
      assertThat(counted).as("getcpu calls, own series or _other").isEqualTo(21_000);
      assertThat(m.value("syscall_exporter_map_update_failures_total", "map", "hist"))
          .as("map update failures").isEqualTo(failuresBefore);
      assertThat(m.value("syscall_exporter_label_sets")).as("label sets held")
          .isLessThanOrEqualTo(5000 + 500); // the limit, and _other per syscall
      assertThat(m.value("syscall_exporter_label_sets_over_limit")).isPositive();
    }
  }

  @Test
  void idleLabelSetsLeaveAndMakeRoomForNewNames() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start("--labels.limit=300",
        "--labels.idle-timeout=3s", "--drain.interval=250ms")) {
      // 400 names, 800 label sets: the budget fills, later names go to _other.
      Workload names = Workload.run(Workload.uniqueName("id"), "names", "400");
      // Drained: their label sets hold the budget before the next name comes.
      awaitTrue("the budget full", 30,
          () -> exporter.scrape().value("syscall_exporter_label_sets_over_limit") > 0);
      Workload crowded = Workload.run(Workload.uniqueName("cr"), "getppid", "100");
      MetricsText full = exporter.scrape();
      assertThat(full.find("syscall_duration_seconds_count", "syscall", "getppid", "process",
          crowded.name)).as("no room: summed into _other").isNull();
      assertThat(full.samples("syscall_duration_seconds_count"))
          .anyMatch(s -> s.labels().get("process").startsWith(names.name + "_"));

      // Past the idle timeout (3 s), a drain releases them.
      awaitTrue("idle series gone", 30, () -> exporter.scrape()
          .samples("syscall_duration_seconds_count").stream()
          .noneMatch(s -> s.labels().get("process").startsWith(names.name + "_")
              || s.labels().get("process").equals(crowded.name)));
      Workload fresh = Workload.run(Workload.uniqueName("fr"), "getppid", "100");
      awaitTrue("the new name's series", 10, () -> exporter.scrape().find(
          "syscall_duration_seconds_count", "syscall", "getppid", "process", fresh.name)
          != null);
      MetricsText m = exporter.scrape();
      assertThat(m.find("syscall_duration_seconds_count", "syscall", "getppid", "process",
          fresh.name)).as("a new name gets its own series again").isEqualTo(100);
      assertThat(m.value("syscall_exporter_label_sets_released_total")).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void mapEntriesIsWhatTheKernelHolds() throws Exception {
    KernelRequired.check();
    // No drain during the test: the map only grows, and only when a new label set appears.
    try (ExporterProcess exporter = ExporterProcess.start("--drain.interval=1h",
        "--labels.idle-timeout=1h")) {
      Workload.run(Workload.uniqueName("me"), "getppid", "10");
      double reported = -1;
      int dumped = -2;
      for (int attempt = 0; attempt < 5 && reported != dumped; attempt++) {
        reported = exporter.scrape().value("syscall_exporter_map_entries", "map", "hist");
        dumped = dumpedEntries();
      }
      assertThat(reported).as("entries reported by the scrape and by bpftool")
          .isEqualTo(dumped).isPositive();
    }
  }

  private static double getcpuOf(MetricsText m, String process) {
    Double v = m.find("syscall_duration_seconds_count", "syscall", "getcpu", "process",
        process);
    return v == null ? 0 : v;
  }

  /** Entries in the hist map, read with bpftool straight from the kernel. */
  private static int dumpedEntries() throws Exception {
    String dump = TestBinaries.run("bpftool", "-j", "map", "dump", "name", "hist");
    Matcher m = DUMP_KEY.matcher(dump);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
