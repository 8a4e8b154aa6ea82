package io.syscallexporter.collect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** A KernelSource whose maps the test fills in. */
public final class FakeKernel implements KernelSource {
  public final List<HistogramEntry> histograms = new ArrayList<>();
  /** What the kernel's scan reports: calls past their timeout that count. */
  public final List<StuckCall> stuck = new ArrayList<>();
  /** Paths by "pid/fd". */
  public final Map<String, String> fdPaths = new HashMap<>();
  public long threadsInSyscall;
  public int fdPathLookups;
  public final long[] errors = new long[3];

  @Override
  public List<HistogramEntry> histograms() {
    return List.copyOf(histograms);
  }

  @Override
  public InflightScan scanInflight() {
    return new InflightScan(List.copyOf(stuck), threadsInSyscall);
  }

  @Override
  public Optional<String> fdPath(int pid, int tid, long fd) {
    fdPathLookups++;
    return Optional.ofNullable(fdPaths.get(pid + "/" + fd));
  }

  @Override
  public long[] errors() {
    return errors.clone();
  }

  @Override
  public MapFill fill(String map) {
    return map.equals("hist") ? new MapFill(histograms.size(), 100)
        : new MapFill((int) threadsInSyscall, 0);
  }

  @Override
  public int attachedPrograms() {
    return 3;
  }

  @Override
  public List<ProgramStats> programStats() {
    return List.of();
  }

  @Override
  public void onSlowEvent(Consumer<SlowEvent> consumer) {}

  /** A histogram with {@code count} calls of {@code nanos} each. */
  public static HistogramEntry entry(String process, int nr, long nanos, long count) {
    long[] buckets = new long[LatencyBuckets.COUNT];
    buckets[LatencyBuckets.bucketOf(nanos)] = count;
    return new HistogramEntry(new SeriesKey(process, 0, nr), nanos * count, 0, buckets);
  }
}
