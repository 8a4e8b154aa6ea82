package io.syscallexporter.bridge;

import io.prometheus.client.Collector;
import io.prometheus.client.exemplars.Exemplar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The syscall series in a simpleclient 0.x {@code CollectorRegistry} (Spring Boot 2.x to 3.2's
 * actuator, or a plain simpleclient server): the agent's latest snapshot as metric family
 * samples, the classic buckets only (simpleclient has no native histograms). A scrape never
 * waits on the agent and never fails for it.
 */
public final class SimpleclientBridge extends Collector implements Collector.Describable {
  private final Supplier<List<Map<String, Object>>> families;
  private final Supplier<List<Map<String, Object>>> described;
  private final boolean[] reported = new boolean[1];

  /**
   * {@code families}: what a scrape serves (see {@link Families}); {@code described}: the same
   * families for {@link #describe}, which the registry calls at registration, not to scrape.
   */
  public SimpleclientBridge(Supplier<List<Map<String, Object>>> families,
      Supplier<List<Map<String, Object>>> described) {
    this.families = families;
    this.described = described;
  }

  @Override
  public List<MetricFamilySamples> collect() {
    try {
      List<MetricFamilySamples> out = new ArrayList<>();
      for (Map<String, Object> family : families.get()) {
        out.add(samples(family, true));
      }
      return out;
    } catch (Throwable e) { // a guest's collector must not fail the service's scrape
      Families.failedOnce(this, e, reported);
      return Collections.emptyList();
    }
  }

  /** The families' names, so that the registry refuses a clash at registration. */
  @Override
  public List<MetricFamilySamples> describe() {
    List<MetricFamilySamples> out = new ArrayList<>();
    for (Map<String, Object> family : described.get()) {
      out.add(samples(family, false));
    }
    return out;
  }

  private static MetricFamilySamples samples(Map<String, Object> family, boolean withSamples) {
    String name = (String) family.get("name");
    String type = (String) family.get("type");
    List<MetricFamilySamples.Sample> samples = new ArrayList<>();
    for (Map<String, Object> p : withSamples ? Families.points(family)
        : Collections.<Map<String, Object>>emptyList()) {
      List<String> names = Arrays.asList((String[]) p.get("labelNames"));
      List<String> values = Arrays.asList((String[]) p.get("labelValues"));
      switch (type) {
        case "counter":
          samples.add(new MetricFamilySamples.Sample(name + "_total", names, values,
              (Double) p.get("value")));
          break;
        case "gauge":
          samples.add(new MetricFamilySamples.Sample(name, names, values,
              (Double) p.get("value")));
          break;
        default:
          histogram(samples, name, names, values, p);
      }
    }
    Type t = "counter".equals(type) ? Type.COUNTER
        : "gauge".equals(type) ? Type.GAUGE : Type.HISTOGRAM;
    return new MetricFamilySamples(name, t, (String) family.get("help"), samples);
  }

  private static void histogram(List<MetricFamilySamples.Sample> samples, String name,
      List<String> names, List<String> values, Map<String, Object> p) {
    double[] bounds = (double[]) p.get("bounds");
    long[] counts = (long[]) p.get("counts");
    List<String> withLe = new ArrayList<>(names);
    withLe.add("le");
    long cumulative = 0;
    for (int i = 0; i < bounds.length; i++) {
      cumulative += counts[i];
      List<String> v = new ArrayList<>(values);
      v.add(Collector.doubleToGoString(bounds[i]));
      samples.add(new MetricFamilySamples.Sample(name + "_bucket", withLe, v, cumulative,
          exemplarIn(p, i == 0 ? Double.NEGATIVE_INFINITY : bounds[i - 1], bounds[i])));
    }
    samples.add(new MetricFamilySamples.Sample(name + "_count", names, values, cumulative));
    samples.add(new MetricFamilySamples.Sample(name + "_sum", names, values,
        (Double) p.get("sum")));
  }

  /** The trace exemplar whose value is in (lower, upper], as OpenMetrics places it; or null. */
  private static Exemplar exemplarIn(Map<String, Object> p, double lower, double upper) {
    double[] exemplarValues = (double[]) p.get("exemplarValues");
    if (exemplarValues == null) {
      return null;
    }
    for (int i = 0; i < exemplarValues.length; i++) {
      if (exemplarValues[i] > lower && exemplarValues[i] <= upper) {
        return new Exemplar(exemplarValues[i], ((long[]) p.get("exemplarTimestamps"))[i],
            "trace_id", ((String[]) p.get("exemplarTraceIds"))[i],
            "span_id", ((String[]) p.get("exemplarSpanIds"))[i]);
      }
    }
    return null;
  }
}
