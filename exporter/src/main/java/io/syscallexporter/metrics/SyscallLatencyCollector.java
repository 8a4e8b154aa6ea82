package io.syscallexporter.metrics;

import com.google.inject.Inject;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Unit;
import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.config.ExporterConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code syscall_duration_seconds} and {@code syscall_slow_total}, built fresh from the kernel's
 * histograms on every scrape.
 */
public final class SyscallLatencyCollector implements MultiCollector {
  static final String DURATION = "syscall_duration_seconds";
  static final String SLOW = "syscall_slow";

  private static final int[] CLASSIC = LatencyBuckets.classicKernelBuckets();
  private static final double[] CLASSIC_BOUNDS = classicBounds();

  private final KernelSource kernel;
  private final LabelBudget budget;
  private final String slowHelp;

  @Inject
  public SyscallLatencyCollector(KernelSource kernel, LabelBudget budget, ExporterConfig config) {
    this.kernel = kernel;
    this.budget = budget;
    this.slowHelp = "Completed syscalls that took at least the slow threshold ("
        + config.slowThreshold().toNanos() / 1e9 + " s).";
  }

  private static double[] classicBounds() {
    double[] bounds = new double[CLASSIC.length + 1];
    for (int j = 0; j < CLASSIC.length; j++) {
      bounds[j] = LatencyBuckets.upperBoundSeconds(CLASSIC[j]);
    }
    bounds[CLASSIC.length] = Double.POSITIVE_INFINITY;
    return bounds;
  }

  @Override
  public MetricSnapshots collect() {
    Map<LabelSet, Totals> series = new HashMap<>();
    for (HistogramEntry e : kernel.histograms()) {
      LabelSet labels = budget.labelsFor(e.key());
      series.computeIfAbsent(labels, l -> new Totals()).add(e);
    }

    HistogramSnapshot.Builder duration = HistogramSnapshot.builder().name(DURATION)
        .unit(Unit.SECONDS)
        .help("Latency of completed syscalls, from entry to return, by syscall and process.");
    CounterSnapshot.Builder slow = CounterSnapshot.builder().name(SLOW).help(slowHelp);
    series.forEach((labels, t) -> {
      duration.dataPoint(t.histogram(labels));
      slow.dataPoint(CounterDataPointSnapshot.builder().labels(labels.labels()).value(t.slow)
          .build());
    });
    return MetricSnapshots.of(duration.build(), slow.build());
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(DURATION, SLOW);
  }

  /**
   * Sum of the kernel entries exported under one label set. Most label sets have one entry:
   * its bucket array is used as it is, and copied only when a second entry is added.
   */
  private static final class Totals {
    long[] buckets;
    boolean owned;
    long sumNanos;
    long slow;

    void add(HistogramEntry e) {
      if (buckets == null) {
        buckets = e.buckets();
      } else {
        if (!owned) {
          buckets = buckets.clone();
          owned = true;
        }
        for (int k = 0; k < buckets.length; k++) {
          buckets[k] += e.buckets()[k];
        }
      }
      sumNanos += e.sumNanos();
      slow += e.slow();
    }

    HistogramDataPointSnapshot histogram(LabelSet labels) {
      // ClassicHistogramBuckets takes the count of each bucket, not the cumulative count.
      long[] classic = new long[CLASSIC_BOUNDS.length];
      int j = 0;
      NativeHistogramBuckets.Builder positive = NativeHistogramBuckets.builder();
      for (int k = 0; k < buckets.length; k++) {
        classic[j] += buckets[k];
        if (j < CLASSIC.length && k == CLASSIC[j]) {
          j++;
        }
        if (k > 0 && buckets[k] > 0) {
          // The overflow bucket lands one past the top native bucket (above ~18 h).
          positive.bucket(LatencyBuckets.nativeIndex(k), buckets[k]);
        }
      }
      return HistogramDataPointSnapshot.builder()
          .labels(labels.labels())
          .classicHistogramBuckets(ClassicHistogramBuckets.of(CLASSIC_BOUNDS, classic))
          .nativeSchema(Layouts.NATIVE_SCHEMA)
          .nativeZeroThreshold(LatencyBuckets.zeroThresholdSeconds())
          .nativeZeroCount(buckets[0])
          .nativeBucketsForPositiveValues(positive.build())
          .sum(sumNanos / 1e9)
          .build();
    }
  }
}
