package io.syscallexporter.collect;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** What the kernel side offers the exporter. The real one reads BPF maps; tests use fakes. */
public interface KernelSource {

  /** Every histogram in the kernel right now. */
  List<HistogramEntry> histograms();

  /**
   * Scans every thread in the kernel for syscalls past their timeout that count under the
   * policy the programs were loaded with.
   */
  InflightScan scanInflight();

  /** The path of an open fd of a process, as the kernel names it, or empty when it cannot. */
  Optional<String> fdPath(int pid, int tid, long fd);

  /** Totals of the kernel's error counters, indexed as in {@code enum exporter_error}. */
  long[] errors();

  /**
   * Entries in use and capacity of a map, by map name: "hist" as of the last {@link
   * #histograms} read; "inflight" (task-local storage, without a capacity: maxEntries 0) counts
   * the threads inside a syscall at the last {@link #scanInflight}.
   */
  MapFill fill(String map);

  /** Number of programs attached. */
  int attachedPrograms();

  /**
   * Time spent in and runs of each attached program, counted by the kernel only while
   * {@code sysctl kernel.bpf_stats_enabled=1}.
   */
  List<ProgramStats> programStats();

  /** Starts delivering slow events to {@code consumer} (from one background thread). */
  void onSlowEvent(Consumer<SlowEvent> consumer);

  record MapFill(int entries, int maxEntries) {}

  record ProgramStats(String program, long runNanos, long runs) {}
}
