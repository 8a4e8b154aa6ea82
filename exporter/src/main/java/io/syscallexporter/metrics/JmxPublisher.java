package io.syscallexporter.metrics;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Reservoir;
import com.codahale.metrics.Snapshot;
import com.codahale.metrics.jmx.JmxReporter;
import com.codahale.metrics.jmx.ObjectNameFactory;
import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.TimeoutScanner;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Agent mode's bridge into a Java shop's JMX tools (a standalone agent's own values, or a joined
 * agent's, sent by the host exporter): each (syscall, thread pool) label set as
 * Dropwizard metrics in a {@link MetricRegistry}, published by Dropwizard's {@link JmxReporter}
 * in the platform MBeanServer under the domain {@value #DOMAIN}, e.g.
 * {@code syscall_exporter:name=syscall_duration_nanoseconds,syscall=read,process=java,...}.
 * Calls slow so far and calls timed out now are Dropwizard counters (the latter goes down too).
 * The latency histogram's snapshot comes from the exact kernel buckets ({@link BucketSnapshot}).
 * Values are as of the last {@link #refresh}, which also adds and removes label sets as they come
 * and go.
 */
@Singleton
public final class JmxPublisher implements AutoCloseable {
  public static final String DOMAIN = "syscall_exporter";
  static final String DURATION = "syscall_duration_nanoseconds";
  static final String SLOW = "syscall_slow";
  static final String TIMED_OUT = "syscall_timed_out";

  private final Source source;
  private final MetricRegistry registry = new MetricRegistry();
  /** Each registered metric's name, by label set; and back, for the object names. */
  private final Map<LabelSet, String> names = new HashMap<>();
  private final Map<String, LabelSet> labelsByName = new ConcurrentHashMap<>();
  private volatile Map<LabelSet, Totals> latest = Map.of();
  private volatile Map<LabelSet, Double> timedOut = Map.of();
  private JmxReporter reporter;
  private long registered;

  /** Where the values come from: this exporter's totals, or a host exporter's (joined). */
  public interface Source {
    /** Every label set's histogram totals now. */
    Map<LabelSet, Totals> totals();

    /** Calls timed out now, by label set. */
    Map<LabelSet, Double> timedOut();

    /** Trace exemplars, by label set: a joined JVM's own (JMX has no use for them). */
    default Map<LabelSet, Exemplars> exemplars() {
      return Map.of();
    }

    /**
     * The exporter's own totals and in-flight scan; {@code series}: the running totals
     * ({@link HistogramTotals#forEach}, a kernel read) or those of the last drain.
     */
    static Source of(SyscallLatencyCollector.Series series, TimeoutScanner scanner,
        LabelBudget budget) {
      return new Source() {
        @Override
        public Map<LabelSet, Totals> totals() {
          Map<LabelSet, Totals> now = new HashMap<>();
          series.forEach((labels, t) -> now.put(labels, new Totals().plus(t)));
          return now;
        }

        @Override
        public Map<LabelSet, Double> timedOut() {
          return budget.sumByLabels(scanner.current(), System.nanoTime());
        }
      };
    }

    /**
     * What a host exporter sends joined JVM {@code pid}: its own series as of the last drain,
     * its own calls timed out now and its own calls' traces, never those of another process of
     * the same name.
     */
    static Source ofJoinedJvm(int pid, HistogramTotals totals, TimeoutScanner scanner,
        LabelBudget budget, TraceExemplars exemplars) {
      return new Source() {
        @Override
        public Map<LabelSet, Exemplars> exemplars() {
          return exemplars.ofJvm(pid);
        }

        @Override
        public Map<LabelSet, Totals> totals() {
          Map<LabelSet, Totals> own = new HashMap<>();
          totals.forEachDrainedOf(pid, (labels, t) -> own.put(labels, new Totals().plus(t)));
          return own;
        }

        @Override
        public Map<LabelSet, Double> timedOut() {
          Map<SeriesKey, Integer> own = new HashMap<>(scanner.current());
          own.keySet().removeIf(k -> !k.poolOf(pid));
          return budget.sumByLabels(own, System.nanoTime());
        }
      };
    }
  }

  @Inject
  public JmxPublisher(Source source) {
    this.source = source;
  }

  public synchronized void start() {
    reporter = JmxReporter.forRegistry(registry).inDomain(DOMAIN)
        .createsObjectNamesWith(objectNames()).build();
    reporter.start();
  }

  /** Takes the current values, and registers and removes label sets to match. */
  public synchronized void refresh() {
    Map<LabelSet, Totals> now = source.totals();
    latest = now;
    timedOut = source.timedOut();
    for (LabelSet labels : now.keySet()) {
      if (!names.containsKey(labels)) {
        register(labels);
      }
    }
    names.entrySet().removeIf(e -> {
      if (now.containsKey(e.getKey())) {
        return false;
      }
      String base = e.getValue();
      registry.removeMatching((name, metric) -> name.startsWith(base + "."));
      labelsByName.keySet().removeIf(n -> n.startsWith(base + "."));
      return true;
    });
  }

  private void register(LabelSet labels) {
    String base = "s" + registered++;
    names.put(labels, base);
    labelsByName.put(base + "." + DURATION, labels);
    labelsByName.put(base + "." + SLOW, labels);
    labelsByName.put(base + "." + TIMED_OUT, labels);
    registry.register(base + "." + DURATION, new BucketHistogram(labels));
    registry.register(base + "." + SLOW, new Counter() {
      @Override
      public long getCount() {
        Totals t = latest.get(labels);
        return t == null ? 0 : t.slow();
      }
    });
    // A Dropwizard Counter goes up and down: one attribute (Count), where a Gauge has two.
    registry.register(base + "." + TIMED_OUT, new Counter() {
      @Override
      public long getCount() {
        return timedOut.getOrDefault(labels, 0.0).longValue();
      }
    });
  }

  /** A histogram that reads the exact kernel buckets; update() is never called. */
  private final class BucketHistogram extends Histogram {
    private final LabelSet labels;

    BucketHistogram(LabelSet labels) {
      super(new Reservoir() {
        @Override
        public int size() {
          return 0;
        }

        @Override
        public void update(long value) {}

        @Override
        public Snapshot getSnapshot() {
          return null; // never used: getSnapshot() below answers
        }
      });
      this.labels = labels;
    }

    private Totals totals() {
      Totals t = latest.get(labels);
      return t == null ? new Totals() : t;
    }

    @Override
    public long getCount() {
      return totals().count();
    }

    @Override
    public Snapshot getSnapshot() {
      return new BucketSnapshot(totals());
    }
  }

  /**
   * Object names that carry the labels as keys, so JMX tools can filter and relabel by them, in
   * a fixed order whose first key is the metric's name (the shape Dropwizard's and Micrometer's
   * reporters use): jmx_exporter's default naming puts the first key's value into the metric
   * name and turns the others into labels, and JConsole shows a tree by metric, then syscall.
   */
  private ObjectNameFactory objectNames() {
    return (type, domain, name) -> objectName(domain, name.substring(name.indexOf('.') + 1),
        labelsByName.get(name));
  }

  static ObjectName objectName(String domain, String metric, LabelSet labels) {
    StringBuilder s = new StringBuilder(domain).append(":name=").append(metric)
        .append(",syscall=").append(value(labels.syscall()))
        .append(",process=").append(value(labels.process()));
    if (labels.thread() != null) {
      s.append(",thread=").append(value(labels.thread()));
    }
    if (labels.pid() != null) {
      s.append(",pid=").append(labels.pid());
    }
    if (labels.cgroup() != null) {
      s.append(",cgroup=").append(value(labels.cgroup()));
    }
    try {
      return new ObjectName(s.toString());
    } catch (MalformedObjectNameException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** An object name value: quoted when it holds a character with a meaning there. */
  static String value(String v) {
    return v.chars().anyMatch(c -> ",=:\"*?\\\n".indexOf(c) >= 0) ? ObjectName.quote(v) : v;
  }

  @Override
  public synchronized void close() {
    if (reporter != null) {
      reporter.close();
      reporter = null;
    }
  }
}
