package io.syscallexporter.metrics;

import com.google.inject.Inject;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Unit;
import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.config.ExporterConfig;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * {@code syscall_duration_seconds} and {@code syscall_slow_total}, built fresh on every scrape
 * from the running totals and what the kernel counted since the last drain.
 */
public final class SyscallLatencyCollector implements MultiCollector {
  static final String DURATION = "syscall_duration_seconds";
  static final String SLOW = "syscall_slow";

  private static final int[] CLASSIC = LatencyBuckets.classicKernelBuckets();
  static final double[] CLASSIC_BOUNDS = classicBounds();

  /** Every label set's totals now: this exporter's, or a joined JVM's as the host sent them. */
  public interface Series {
    void forEach(BiConsumer<LabelSet, Totals> action);
  }

  private final Series totals;
  private final Function<LabelSet, Exemplars> exemplars;
  private final String slowHelp;

  @Inject
  public SyscallLatencyCollector(HistogramTotals totals, ExporterConfig config,
      TraceExemplars exemplars) {
    this(totals::forEach, "the slow threshold (" + config.slowThreshold().toNanos() / 1e9
        + " s)", exemplars::of);
  }

  /** {@code threshold}: which slow threshold the slow counter counts against, for its help. */
  public SyscallLatencyCollector(Series totals, String threshold) {
    this(totals, threshold, labels -> Exemplars.EMPTY);
  }

  /** {@code exemplars}: each series' exemplars. */
  public SyscallLatencyCollector(Series totals, String threshold,
      Function<LabelSet, Exemplars> exemplars) {
    this.totals = totals;
    this.exemplars = exemplars;
    this.slowHelp = "Completed syscalls that took at least " + threshold + ".";
  }

  /** The classic bucket (index into the bounds) a latency falls in, as the writers see it. */
  static int classicBucketOf(double seconds) {
    int j = 0;
    while (seconds > CLASSIC_BOUNDS[j]) {
      j++;
    }
    return j;
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
    HistogramSnapshot.Builder duration = HistogramSnapshot.builder().name(DURATION)
        .unit(Unit.SECONDS)
        .help("Latency of completed syscalls, from entry to return, by syscall and process.");
    CounterSnapshot.Builder slow = CounterSnapshot.builder().name(SLOW).help(slowHelp);
    totals.forEach((labels, t) -> {
      duration.dataPoint(histogram(labels, t, exemplars.apply(labels)));
      slow.dataPoint(CounterDataPointSnapshot.builder().labels(labels.labels()).value(t.slow())
          .build());
    });
    return MetricSnapshots.of(duration.build(), slow.build());
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(DURATION, SLOW);
  }

  private static HistogramDataPointSnapshot histogram(LabelSet labels, Totals t,
      Exemplars exemplars) {
    // ClassicHistogramBuckets takes the count of each bucket, not the cumulative count.
    long[] classic = new long[CLASSIC_BOUNDS.length];
    int j = 0;
    NativeHistogramBuckets.Builder positive = NativeHistogramBuckets.builder();
    for (int k = t.firstBucket(); k < t.endBucket(); k++) {
      long n = t.bucket(k);
      while (j < CLASSIC.length && k > CLASSIC[j]) {
        j++;
      }
      classic[j] += n;
      if (k > 0 && n > 0) {
        // The overflow bucket lands one past the top native bucket (above ~18 h).
        positive.bucket(LatencyBuckets.nativeIndex(k), n);
      }
    }
    return HistogramDataPointSnapshot.builder()
        .labels(labels.labels())
        .classicHistogramBuckets(ClassicHistogramBuckets.of(CLASSIC_BOUNDS, classic))
        .nativeSchema(Layouts.NATIVE_SCHEMA)
        .nativeZeroThreshold(LatencyBuckets.zeroThresholdSeconds())
        .nativeZeroCount(t.bucket(0))
        .nativeBucketsForPositiveValues(positive.build())
        .sum(t.sumNanos() / 1e9)
        .exemplars(exemplars)
        .build();
  }
}
