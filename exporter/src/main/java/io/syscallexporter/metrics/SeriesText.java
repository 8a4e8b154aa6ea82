package io.syscallexporter.metrics;

import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.LatencyBuckets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A joined JVM's own series as the host exporter sends them to its agent, for JMX and the
 * service's endpoint: a line per (syscall, thread pool), "syscall TAB thread TAB sum_ns TAB
 * slow TAB timed_out TAB buckets TAB exemplars", the buckets as "k:count" pairs separated by
 * commas (only the non-empty ones), the trace exemplars as "seconds:trace_id:span_id:epoch_ms"
 * separated by commas (sent only to an agent that gave a trace context cookie: an older one
 * reads six fields, and an older exporter sends six).
 */
public final class SeriesText {
  private SeriesText() {}

  /** The lines of the label sets of {@code process} that have a thread label. */
  public static String encode(Map<LabelSet, Totals> totals, Map<LabelSet, Double> timedOut,
      String process) {
    return encode(totals, timedOut, null, process);
  }

  /**
   * The same, with the exemplar field, for an agent that reads it (an older one reads lines of
   * six fields only). {@code exemplars} null: no exemplar field.
   */
  public static String encode(Map<LabelSet, Totals> totals, Map<LabelSet, Double> timedOut,
      Map<LabelSet, Exemplars> exemplars, String process) {
    StringBuilder out = new StringBuilder();
    totals.forEach((l, t) -> {
      if (!process.equals(l.process()) || l.thread() == null) {
        return;
      }
      out.append(l.syscall()).append('\t').append(l.thread()).append('\t').append(t.sumNanos())
          .append('\t').append(t.slow()).append('\t')
          .append(timedOut.getOrDefault(l, 0.0).longValue()).append('\t');
      String sep = "";
      for (int k = t.firstBucket(); k < t.endBucket(); k++) {
        if (t.bucket(k) != 0) {
          out.append(sep).append(k).append(':').append(t.bucket(k));
          sep = ",";
        }
      }
      if (exemplars == null) {
        out.append('\n');
        return;
      }
      out.append('\t');
      sep = "";
      for (Exemplar e : exemplars.getOrDefault(l, Exemplars.EMPTY)) {
        out.append(sep).append(e.getValue()).append(':')
            .append(e.getLabels().get(Exemplar.TRACE_ID)).append(':')
            .append(e.getLabels().get(Exemplar.SPAN_ID)).append(':')
            .append(e.getTimestampMillis());
        sep = ",";
      }
      out.append('\n');
    });
    return out.toString();
  }

  /** What {@link #encode} wrote, as JMX's source; lines that do not parse are left out. */
  public static JmxPublisher.Source decode(String text, String process) {
    Map<LabelSet, Totals> totals = new HashMap<>();
    Map<LabelSet, Double> timedOut = new HashMap<>();
    Map<LabelSet, Exemplars> exemplars = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.split("\t", -1);
      if (f.length != 6 && f.length != 7) {
        continue;
      }
      try {
        long[] buckets = new long[LatencyBuckets.COUNT];
        for (String pair : f[5].split(",")) {
          if (!pair.isEmpty()) {
            int colon = pair.indexOf(':');
            buckets[Integer.parseInt(pair.substring(0, colon))] =
                Long.parseLong(pair.substring(colon + 1));
          }
        }
        Totals t = new Totals();
        t.add(new HistogramEntry(null, Long.parseLong(f[2]), Long.parseLong(f[3]), buckets));
        LabelSet labels = new LabelSet(f[0], process, null, null, f[1]);
        totals.put(labels, t);
        timedOut.put(labels, (double) Long.parseLong(f[4]));
        if (f.length == 7 && !f[6].isEmpty()) {
          exemplars.put(labels, exemplars(f[6]));
        }
      } catch (RuntimeException e) {
        // a line this version cannot read: skipped
      }
    }
    Map<LabelSet, Totals> t = Map.copyOf(totals);
    Map<LabelSet, Double> o = Map.copyOf(timedOut);
    Map<LabelSet, Exemplars> x = Map.copyOf(exemplars);
    return new JmxPublisher.Source() {
      @Override
      public Map<LabelSet, Exemplars> exemplars() {
        return x;
      }

      @Override
      public Map<LabelSet, Totals> totals() {
        return t;
      }

      @Override
      public Map<LabelSet, Double> timedOut() {
        return o;
      }
    };
  }

  private static Exemplars exemplars(String field) {
    List<Exemplar> list = new ArrayList<>();
    for (String one : field.split(",")) {
      String[] p = one.split(":", -1);
      list.add(Exemplar.builder().value(Double.parseDouble(p[0])).traceId(p[1]).spanId(p[2])
          .timestampMillis(Long.parseLong(p[3])).build());
    }
    return Exemplars.of(list);
  }
}
