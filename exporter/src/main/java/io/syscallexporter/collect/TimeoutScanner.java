package io.syscallexporter.collect;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.process.ProcessNames;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Scans the in-flight map for syscalls running longer than the timeout. Each scan replaces the
 * current counts (the gauge); each call is counted once in the totals when it first crosses the
 * timeout, however many scans see it.
 */
@Singleton
public final class TimeoutScanner {
  /** A call is the same call while its thread and start time are. */
  private record CallId(int tid, long startNanos) {}

  private final KernelSource kernel;
  private final ProcessNames names;
  private final long timeoutNanos;
  private final boolean perPid;
  private final LongSupplier monotonicNanos;

  private final Map<SeriesKey, Long> totals = new ConcurrentHashMap<>();
  private volatile Map<SeriesKey, Integer> current = Map.of();
  private Set<CallId> counted = new HashSet<>();
  private volatile long lastScanNanos;
  private volatile long scans;

  @Inject
  public TimeoutScanner(KernelSource kernel, ProcessNames names, ExporterConfig config) {
    // bpf_ktime_get_ns and System.nanoTime both read CLOCK_MONOTONIC on Linux.
    this(kernel, names, config, System::nanoTime);
  }

  public TimeoutScanner(KernelSource kernel, ProcessNames names, ExporterConfig config,
      LongSupplier monotonicNanos) {
    this.kernel = kernel;
    this.names = names;
    this.timeoutNanos = config.syscallTimeout().toNanos();
    this.perPid = config.perPidLabels();
    this.monotonicNanos = monotonicNanos;
  }

  /** One scan; called from the scheduler thread. */
  public synchronized void scan() {
    long began = System.nanoTime();
    long now = monotonicNanos.getAsLong();
    Map<SeriesKey, Integer> timedOut = new HashMap<>();
    Set<CallId> stillTimedOut = new HashSet<>();
    for (InflightEntry e : kernel.inflight()) {
      if (now - e.startNanos() < timeoutNanos) {
        continue;
      }
      Optional<String> process = names.process(e.pid());
      if (process.isEmpty()) {
        continue; // exited since the map was read
      }
      SeriesKey key = new SeriesKey(process.get(), perPid ? e.pid() : 0, e.nr());
      timedOut.merge(key, 1, Integer::sum);
      CallId id = new CallId(e.tid(), e.startNanos());
      stillTimedOut.add(id);
      if (!counted.contains(id)) {
        totals.merge(key, 1L, Long::sum);
      }
    }
    counted = stillTimedOut;
    current = Map.copyOf(timedOut);
    lastScanNanos = System.nanoTime() - began;
    scans++;
  }

  /** Calls past the timeout at the last scan, per series that ever had one (0 when none now). */
  public Map<SeriesKey, Integer> current() {
    Map<SeriesKey, Integer> now = current;
    Map<SeriesKey, Integer> out = new HashMap<>();
    totals.keySet().forEach(k -> out.put(k, now.getOrDefault(k, 0)));
    return out;
  }

  /** Calls that crossed the timeout since the exporter started, per series. */
  public Map<SeriesKey, Long> totals() {
    return Map.copyOf(totals);
  }

  public double lastScanSeconds() {
    return lastScanNanos / 1e9;
  }

  public long scans() {
    return scans;
  }
}
