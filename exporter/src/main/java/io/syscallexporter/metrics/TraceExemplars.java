package io.syscallexporter.metrics;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.config.ExporterConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The exemplars of {@code syscall_duration_seconds}: for each series and classic bucket, the
 * latest slow call made inside a sampled trace, with its trace and span ids and when it was
 * seen. The kernel reads a thread's trace context on the slow path only, so buckets below the
 * slow threshold have none (at the default 1 s, at most 5 per series). Held for as many series
 * as {@code --labels.limit}, the least recently updated dropped first, and as many again of
 * joined JVMs' own: about 300 bytes an exemplar, ~8 MiB for each at the default limit and
 * threshold in the worst case (every series with traced slow calls in each bucket above it).
 */
@Singleton
public final class TraceExemplars implements Consumer<SlowEvent> {
  private final LabelBudget budget;
  private final LongSupplier monotonicNanos;
  private final LongSupplier wallMillis;
  private final int limit;
  private final Map<LabelSet, Exemplar[]> latest;
  /**
   * The same, apart for each joined JVM: what is sent to a JVM is its own calls' traces, not
   * those of another JVM under its name.
   */
  private final Map<JvmSeries, Exemplar[]> byJvm;

  private record JvmSeries(int pid, LabelSet labels) {}

  @Inject
  public TraceExemplars(LabelBudget budget, ExporterConfig config) {
    this(budget, config.labelLimit(), System::nanoTime, System::currentTimeMillis);
  }

  public TraceExemplars(LabelBudget budget, int limit, LongSupplier monotonicNanos,
      LongSupplier wallMillis) {
    this.budget = budget;
    this.limit = limit;
    this.monotonicNanos = monotonicNanos;
    this.wallMillis = wallMillis;
    this.latest = leastRecentlyUpdatedOut(limit);
    this.byJvm = leastRecentlyUpdatedOut(limit);
  }

  private static <K> Map<K, Exemplar[]> leastRecentlyUpdatedOut(int limit) {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, Exemplar[]> eldest) {
        return size() > limit;
      }
    };
  }

  @Override
  public void accept(SlowEvent e) {
    TraceContext context = e.context();
    if (!context.present() || !context.sampled()) {
      return;
    }
    // The labels the kernel's series is exported under: the call was counted there.
    LabelSet labels = budget.labelsFor(e.key(), monotonicNanos.getAsLong());
    if (labels == null) {
      return; // a series not shown yet: its next slow call may be its exemplar
    }
    double seconds = e.latencyNanos() / 1e9;
    Exemplar exemplar = Exemplar.builder().value(seconds).traceId(context.traceId())
        .spanId(context.spanId()).timestampMillis(wallMillis.getAsLong()).build();
    int bucket = SyscallLatencyCollector.classicBucketOf(seconds);
    synchronized (this) {
      put(latest, labels, bucket, exemplar);
      if (budget.ofJoinedJvm(e.key())) {
        put(byJvm, new JvmSeries(e.key().pid(), labels), bucket, exemplar);
      }
    }
  }

  private static <K> void put(Map<K, Exemplar[]> map, K key, int bucket, Exemplar exemplar) {
    // Removed and put back: the map's order is that of the latest update.
    Exemplar[] byBucket = map.remove(key);
    if (byBucket == null) {
      byBucket = new Exemplar[SyscallLatencyCollector.CLASSIC_BOUNDS.length];
    }
    byBucket[bucket] = exemplar;
    map.put(key, byBucket);
  }

  /** A series' exemplars, at most one per classic bucket. */
  public synchronized Exemplars of(LabelSet labels) {
    return exemplars(latest.get(labels));
  }

  /** The exemplars of joined JVM {@code pid}'s own calls, by label set. */
  public synchronized Map<LabelSet, Exemplars> ofJvm(int pid) {
    Map<LabelSet, Exemplars> own = new HashMap<>();
    byJvm.forEach((k, byBucket) -> {
      if (k.pid() == pid) {
        own.put(k.labels(), exemplars(byBucket));
      }
    });
    return own;
  }

  /** A JVM joined or left: what its pid had is not the next process's of that pid. */
  public synchronized void forgetJvm(int pid) {
    byJvm.keySet().removeIf(k -> k.pid() == pid);
  }

  private static Exemplars exemplars(Exemplar[] byBucket) {
    if (byBucket == null) {
      return Exemplars.EMPTY;
    }
    List<Exemplar> list = new ArrayList<>();
    Arrays.stream(byBucket).filter(Objects::nonNull).forEach(list::add);
    return Exemplars.of(list);
  }

  /** Series with exemplars held now. */
  public synchronized int held() {
    return latest.size();
  }
}
