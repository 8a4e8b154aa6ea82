package io.syscallexporter.bridge;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The syscall series in a client_java 1.x {@code PrometheusRegistry} (Spring Boot 3.3+'s
 * actuator, or a plain client_java server): the agent's latest snapshot, rebuilt in the
 * service's own model classes. A scrape never waits on the agent and never fails for it.
 */
public final class MetricsModelBridge implements MultiCollector {
  private final Supplier<List<Map<String, Object>>> families;
  private final List<String> names;
  private final boolean[] reported = new boolean[1];

  /** {@code families}: see {@link Families}; {@code names}: their Prometheus names. */
  public MetricsModelBridge(Supplier<List<Map<String, Object>>> families, List<String> names) {
    this.families = families;
    this.names = List.copyOf(names);
  }

  @Override
  public MetricSnapshots collect() {
    try {
      List<MetricSnapshot> out = new ArrayList<>();
      for (Map<String, Object> family : families.get()) {
        out.add(snapshot(family));
      }
      return new MetricSnapshots(out);
    } catch (Throwable e) { // a guest's collector must not fail the service's scrape
      Families.failedOnce(this, e, reported);
      return new MetricSnapshots();
    }
  }

  @Override
  public List<String> getPrometheusNames() {
    return names;
  }

  private static MetricSnapshot snapshot(Map<String, Object> family) {
    String name = (String) family.get("name");
    String help = (String) family.get("help");
    switch ((String) family.get("type")) {
      case "counter": {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (Map<String, Object> p : Families.points(family)) {
          b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels(p))
              .value((Double) p.get("value")).build());
        }
        return b.build();
      }
      case "gauge": {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (Map<String, Object> p : Families.points(family)) {
          b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels(p))
              .value((Double) p.get("value")).build());
        }
        return b.build();
      }
      case "histogram": {
        HistogramSnapshot.Builder b = HistogramSnapshot.builder().name(name).help(help);
        for (Map<String, Object> p : Families.points(family)) {
          b.dataPoint(histogram(p));
        }
        return b.build();
      }
      default:
        throw new IllegalArgumentException("unknown type " + family.get("type"));
    }
  }

  private static HistogramSnapshot.HistogramDataPointSnapshot histogram(Map<String, Object> p) {
    HistogramSnapshot.HistogramDataPointSnapshot.Builder b =
        HistogramSnapshot.HistogramDataPointSnapshot.builder().labels(labels(p))
            .classicHistogramBuckets(ClassicHistogramBuckets.of((double[]) p.get("bounds"),
                (long[]) p.get("counts")));
    b.sum((Double) p.get("sum"));
    if (p.get("schema") != null) {
      b.nativeSchema((Integer) p.get("schema"))
          .nativeZeroThreshold((Double) p.get("zeroThreshold"))
          .nativeZeroCount((Long) p.get("zeroCount"))
          .nativeBucketsForPositiveValues(NativeHistogramBuckets.of(
              (int[]) p.get("nativeIndexes"), (long[]) p.get("nativeCounts")));
    }
    if (p.get("exemplarValues") != null) {
      b.exemplars(exemplars(p));
    }
    return b.build();
  }

  private static Exemplars exemplars(Map<String, Object> p) {
    double[] values = (double[]) p.get("exemplarValues");
    String[] traceIds = (String[]) p.get("exemplarTraceIds");
    String[] spanIds = (String[]) p.get("exemplarSpanIds");
    long[] timestamps = (long[]) p.get("exemplarTimestamps");
    List<Exemplar> list = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      list.add(Exemplar.builder().value(values[i]).traceId(traceIds[i]).spanId(spanIds[i])
          .timestampMillis(timestamps[i]).build());
    }
    return Exemplars.of(list);
  }

  private static Labels labels(Map<String, Object> p) {
    return Labels.of((String[]) p.get("labelNames"), (String[]) p.get("labelValues"));
  }
}
