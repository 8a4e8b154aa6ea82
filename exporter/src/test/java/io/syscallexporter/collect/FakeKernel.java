package io.syscallexporter.collect;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** A KernelSource whose maps the test fills in. */
public final class FakeKernel implements KernelSource {
  public final List<HistogramEntry> histograms = new ArrayList<>();
  public final List<InflightEntry> inflight = new ArrayList<>();
  public final long[] errors = new long[3];

  @Override
  public List<HistogramEntry> histograms() {
    return List.copyOf(histograms);
  }

  @Override
  public List<InflightEntry> inflight() {
    return List.copyOf(inflight);
  }

  @Override
  public long[] errors() {
    return errors.clone();
  }

  @Override
  public MapFill fill(String map) {
    return new MapFill(map.equals("hist") ? histograms.size() : inflight.size(), 100);
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
