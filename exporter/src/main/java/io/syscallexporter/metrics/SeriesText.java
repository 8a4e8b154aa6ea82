package io.syscallexporter.metrics;

import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.LatencyBuckets;
import java.util.HashMap;
import java.util.Map;

/**
 * A joined JVM's own series as the host exporter sends them to its agent, for JMX: a line per
 * (syscall, thread pool), "syscall TAB thread TAB sum_ns TAB slow TAB timed_out TAB buckets",
 * the buckets as "k:count" pairs separated by commas (only the non-empty ones).
 */
public final class SeriesText {
  private SeriesText() {}

  /** The lines of the label sets of {@code process} that have a thread label. */
  public static String encode(Map<LabelSet, Totals> totals, Map<LabelSet, Double> timedOut,
      String process) {
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
      out.append('\n');
    });
    return out.toString();
  }

  /** What {@link #encode} wrote, as JMX's source; lines that do not parse are left out. */
  public static JmxPublisher.Source decode(String text, String process) {
    Map<LabelSet, Totals> totals = new HashMap<>();
    Map<LabelSet, Double> timedOut = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] f = line.split("\t", -1);
      if (f.length != 6) {
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
      } catch (RuntimeException e) {
        // a line this version cannot read: skipped
      }
    }
    Map<LabelSet, Totals> t = Map.copyOf(totals);
    Map<LabelSet, Double> o = Map.copyOf(timedOut);
    return new JmxPublisher.Source() {
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
}
