package io.syscallexporter.metrics;

import com.google.inject.Inject;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.TimeoutScanner;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * {@code syscall_timed_out} and {@code syscall_timeouts_total}, from the scanner. The counter
 * cannot be {@code syscall_timed_out_total}: in OpenMetrics a counter's family name drops
 * {@code _total}, and would clash with the gauge.
 */
public final class TimedOutCollector implements MultiCollector {
  public static final String GAUGE = "syscall_timed_out";
  static final String COUNTER = "syscall_timeouts";
  static final String OLDEST = "syscall_timed_out_oldest_seconds";

  private final TimeoutScanner scanner;
  private final LabelBudget budget;

  @Inject
  public TimedOutCollector(TimeoutScanner scanner, LabelBudget budget) {
    this.scanner = scanner;
    this.budget = budget;
  }

  @Override
  public MetricSnapshots collect() {
    long now = System.nanoTime();
    // A JVM whose series its service's endpoint serves has its gauge there, not here; its
    // counter and oldest age, which only this exporter has, stay here.
    GaugeSnapshot gauge = gauge(budget.sumByLabels(here(scanner.current()), now),
        "Syscalls in flight longer than their timeout at the last scan.");
    CounterSnapshot.Builder total = CounterSnapshot.builder().name(COUNTER)
        .help("Syscalls that crossed their timeout, each counted once.");
    budget.sumByLabels(scanner.totals(), now).forEach((labels, n) -> total.dataPoint(
        CounterDataPointSnapshot.builder().labels(labels.labels()).value(n).build()));
    Map<LabelSet, Double> oldest = new HashMap<>();
    scanner.timedOut().forEach(c -> {
      LabelSet labels = budget.labelsFor(c.series(), now);
      if (labels != null) { // else shown once its labels are known
        oldest.merge(labels, c.ageSeconds(now), Math::max);
      }
    });
    GaugeSnapshot.Builder age = GaugeSnapshot.builder().name(OLDEST).unit(Unit.SECONDS)
        .help("Age of the oldest syscall past its timeout, per label set that has one now.");
    oldest.forEach((labels, seconds) -> age.dataPoint(
        GaugeDataPointSnapshot.builder().labels(labels.labels()).value(seconds).build()));
    return MetricSnapshots.of(gauge, total.build(), age.build());
  }

  /** The values of the keys whose series this exporter serves (not those served elsewhere). */
  private <N> Map<SeriesKey, N> here(Map<SeriesKey, N> byKey) {
    Map<SeriesKey, N> out = new HashMap<>(byKey);
    out.keySet().removeIf(budget::servedElsewhere);
    return out;
  }

  /** {@value #GAUGE}: calls timed out now, by label set; a joined agent's port serves it too. */
  public static GaugeSnapshot gauge(Map<LabelSet, ? extends Number> timedOut, String help) {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(GAUGE).help(help);
    timedOut.forEach((labels, n) -> gauge.dataPoint(GaugeDataPointSnapshot.builder()
        .labels(labels.labels()).value(n.doubleValue()).build()));
    return gauge.build();
  }

  @Override
  public List<String> getPrometheusNames() {
    return List.of(GAUGE, COUNTER, OLDEST);
  }
}
