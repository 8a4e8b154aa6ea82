package io.syscallexporter.service;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Our metric snapshots in JDK types only, for the bridge in the service's class loader, which
 * rebuilds them in the service's own client classes. The layout is the bridge's
 * ({@code io.syscallexporter.bridge.Families} in service-bridge/): maps of name, help, type and
 * points.
 */
public final class PortableFamilies {
  private PortableFamilies() {}

  /** The counters, gauges and histograms of {@code snapshots}; other types are left out. */
  public static List<Map<String, Object>> of(MetricSnapshots snapshots) {
    List<Map<String, Object>> families = new ArrayList<>();
    for (MetricSnapshot s : snapshots) {
      String type = s instanceof CounterSnapshot ? "counter"
          : s instanceof GaugeSnapshot ? "gauge"
          : s instanceof HistogramSnapshot ? "histogram" : null;
      if (type == null) {
        continue;
      }
      List<Map<String, Object>> points = new ArrayList<>();
      for (DataPointSnapshot d : s.getDataPoints()) {
        Map<String, Object> p = labels(d.getLabels());
        if (d instanceof CounterSnapshot.CounterDataPointSnapshot c) {
          p.put("value", c.getValue());
        } else if (d instanceof GaugeSnapshot.GaugeDataPointSnapshot g) {
          p.put("value", g.getValue());
        } else {
          histogram(p, (HistogramSnapshot.HistogramDataPointSnapshot) d);
        }
        points.add(p);
      }
      Map<String, Object> family = new HashMap<>();
      family.put("name", s.getMetadata().getName());
      family.put("help", s.getMetadata().getHelp());
      family.put("type", type);
      family.put("points", points);
      families.add(family);
    }
    return families;
  }

  /** The Prometheus names of the families, as a registry checks them for clashes. */
  public static List<String> names(MetricSnapshots snapshots) {
    List<String> names = new ArrayList<>();
    snapshots.forEach(s -> names.add(s.getMetadata().getPrometheusName()));
    return names;
  }

  /** Trace exemplars, as parallel arrays; none when there are none. */
  private static void exemplars(Map<String, Object> p, Exemplars exemplars) {
    if (exemplars.size() == 0) {
      return;
    }
    int n = exemplars.size();
    double[] values = new double[n];
    String[] traceIds = new String[n];
    String[] spanIds = new String[n];
    long[] timestamps = new long[n];
    for (int i = 0; i < n; i++) {
      Exemplar e = exemplars.get(i);
      values[i] = e.getValue();
      traceIds[i] = e.getLabels().get(Exemplar.TRACE_ID);
      spanIds[i] = e.getLabels().get(Exemplar.SPAN_ID);
      timestamps[i] = e.hasTimestamp() ? e.getTimestampMillis() : 0;
    }
    p.put("exemplarValues", values);
    p.put("exemplarTraceIds", traceIds);
    p.put("exemplarSpanIds", spanIds);
    p.put("exemplarTimestamps", timestamps);
  }

  private static Map<String, Object> labels(Labels labels) {
    String[] names = new String[labels.size()];
    String[] values = new String[labels.size()];
    for (int i = 0; i < labels.size(); i++) {
      names[i] = labels.getName(i);
      values[i] = labels.getValue(i);
    }
    Map<String, Object> p = new HashMap<>();
    p.put("labelNames", names);
    p.put("labelValues", values);
    return p;
  }

  private static void histogram(Map<String, Object> p,
      HistogramSnapshot.HistogramDataPointSnapshot h) {
    ClassicHistogramBuckets classic = h.getClassicBuckets();
    double[] bounds = new double[classic.size()];
    long[] counts = new long[classic.size()];
    for (int i = 0; i < classic.size(); i++) {
      bounds[i] = classic.getUpperBound(i);
      counts[i] = classic.getCount(i);
    }
    p.put("bounds", bounds);
    p.put("counts", counts);
    p.put("sum", h.hasSum() ? h.getSum() : Double.NaN);
    exemplars(p, h.getExemplars());
    if (h.hasNativeHistogramData()) {
      NativeHistogramBuckets positive = h.getNativeBucketsForPositiveValues();
      int[] indexes = new int[positive.size()];
      long[] nativeCounts = new long[positive.size()];
      for (int i = 0; i < positive.size(); i++) {
        indexes[i] = positive.getBucketIndex(i);
        nativeCounts[i] = positive.getCount(i);
      }
      p.put("schema", h.getNativeSchema());
      p.put("zeroThreshold", h.getNativeZeroThreshold());
      p.put("zeroCount", h.getNativeZeroCount());
      p.put("nativeIndexes", indexes);
      p.put("nativeCounts", nativeCounts);
    }
  }
}
