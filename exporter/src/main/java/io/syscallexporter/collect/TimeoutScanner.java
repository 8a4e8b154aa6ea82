package io.syscallexporter.collect;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.policy.SyscallClass;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Scans the in-flight map for syscalls past their timeout under the {@link SyscallPolicy}.
 * A call is looked at in /proc once, when it first passes its timeout: whether its fd is a
 * file, and its enrichment. Each call counts once in the totals; the gauge is what the last
 * scan saw. Each timed-out call is logged when found and again when it is gone.
 */
@Singleton
public final class TimeoutScanner {
  /** A call is the same call while its thread and start time are. */
  private record CallId(int tid, long startNanos) {}

  private final KernelSource kernel;
  private final SyscallTable syscalls;
  private final ProcFs proc;
  private final SyscallPolicy.Timeout[] timeouts;
  private final SyscallPolicy policy;
  private final boolean perPid;
  private final LongSupplier monotonicNanos;
  private final Consumer<String> log;

  private final Map<SeriesKey, Long> totals = new ConcurrentHashMap<>();
  /** Calls past their timeout at the last scan; null values: not counted under the policy. */
  private Map<CallId, TimedOutCall> seen = new HashMap<>();
  private volatile List<TimedOutCall> current = List.of();
  private volatile long lastScanNanos;
  private volatile long scans;

  @Inject
  public TimeoutScanner(KernelSource kernel, SyscallTable syscalls, ProcFs proc,
      SyscallPolicy policy, ExporterConfig config) {
    // bpf_ktime_get_ns and System.nanoTime both read CLOCK_MONOTONIC on Linux.
    this(kernel, syscalls, proc, policy, config, System::nanoTime,
        new RateLimitedLog(config.logRateLimit(), System::nanoTime, System.err::println));
  }

  public TimeoutScanner(KernelSource kernel, SyscallTable syscalls, ProcFs proc,
      SyscallPolicy policy, ExporterConfig config, LongSupplier monotonicNanos,
      Consumer<String> log) {
    this.kernel = kernel;
    this.syscalls = syscalls;
    this.proc = proc;
    this.policy = policy;
    this.timeouts = policy.timeoutTable(syscalls);
    this.perPid = config.perPidLabels();
    this.monotonicNanos = monotonicNanos;
    this.log = log;
  }

  /** One scan; called from the scheduler thread. */
  public synchronized void scan() {
    long began = System.nanoTime();
    long now = monotonicNanos.getAsLong();
    Map<CallId, TimedOutCall> next = new HashMap<>();
    for (InflightEntry e : kernel.inflight()) {
      SyscallPolicy.Timeout timeout = timeoutOf(e.nr());
      if (timeout.never() || now - e.startNanos() < timeout.nanos()) {
        continue;
      }
      CallId id = new CallId(e.tid(), e.startNanos());
      if (seen.containsKey(id)) {
        next.put(id, seen.get(id));
        continue;
      }
      TimedOutCall call = inspect(e, timeout).orElse(null);
      next.put(id, call);
      if (call != null) {
        totals.merge(call.series(), 1L, Long::sum);
        log.accept(Log.line("warn", "syscall timed out", fields(call, "age_seconds", now)));
      }
    }
    seen.forEach((id, call) -> {
      if (call != null && !next.containsKey(id)) {
        // It returned (or its thread died) since the last scan: its latency is at most this.
        log.accept(Log.line("info", "timed-out syscall returned",
            fields(call, "latency_seconds_at_most", now)));
      }
    });
    seen = next;
    current = next.values().stream().filter(c -> c != null)
        .sorted(Comparator.comparingLong(TimedOutCall::startNanos)).toList();
    lastScanNanos = System.nanoTime() - began;
    scans++;
  }

  private SyscallPolicy.Timeout timeoutOf(int nr) {
    return nr >= 0 && nr < timeouts.length ? timeouts[nr] : policy.timeout(syscalls.name(nr));
  }

  /** The call as /proc shows it, or empty when it does not count (or its thread is gone). */
  private Optional<TimedOutCall> inspect(InflightEntry e, SyscallPolicy.Timeout timeout) {
    Optional<String> process = proc.process(e.pid());
    if (process.isEmpty()) {
      return Optional.empty();
    }
    String syscall = syscalls.name(e.nr());
    boolean hasFd = SyscallClass.of(syscall) == SyscallClass.FD;
    String target = hasFd ? proc.fdTarget(e.pid(), e.tid(), e.arg0()).orElse(null) : null;
    if (timeout.onlyOnFiles() && (target == null || !proc.isFile(target))) {
      return Optional.empty();
    }
    SeriesKey key = new SeriesKey(process.get(), perPid ? e.pid() : 0, e.nr());
    return Optional.of(new TimedOutCall(key, syscall, e.tid(), e.pid(), process.get(),
        proc.thread(e.pid(), e.tid()).orElse(""), e.startNanos(), hasFd ? e.arg0() : null,
        target, proc.wchan(e.pid(), e.tid()).orElse(null)));
  }

  private static Object[] fields(TimedOutCall c, String ageKey, long now) {
    List<Object> f = new ArrayList<>(List.of("syscall", c.syscall(),
        ageKey, String.format("%.3f", c.ageSeconds(now)),
        "tid", Integer.toUnsignedString(c.tid()), "pid", Integer.toUnsignedString(c.pid()),
        "process", c.process(), "thread", c.thread()));
    if (c.fd() != null) {
      f.addAll(List.of("fd", c.fd(), "file", String.valueOf(c.fdTarget())));
    }
    if (c.wchan() != null) {
      f.addAll(List.of("wchan", c.wchan()));
    }
    return f.toArray();
  }

  /** The calls past their timeout at the last scan, oldest first. */
  public List<TimedOutCall> timedOut() {
    return current;
  }

  /** Calls past the timeout at the last scan, per series that ever had one (0 when none now). */
  public Map<SeriesKey, Integer> current() {
    Map<SeriesKey, Integer> out = new HashMap<>();
    totals.keySet().forEach(k -> out.put(k, 0));
    current.forEach(c -> out.merge(c.series(), 1, Integer::sum));
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
