package io.syscallexporter.collect;

import java.util.List;
import java.util.function.Consumer;

/** What the kernel side offers the exporter. The real one reads BPF maps; tests use fakes. */
public interface KernelSource {

  /** Every histogram in the kernel right now. */
  List<HistogramEntry> histograms();

  /** Every thread currently inside a syscall. */
  List<InflightEntry> inflight();

  /** Totals of the kernel's error counters, indexed as in {@code enum exporter_error}. */
  long[] errors();

  /**
   * Entries in use and capacity of a map, by map name ("hist", "inflight"), as of the last
   * {@link #histograms} or {@link #inflight} read.
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
