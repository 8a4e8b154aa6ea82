package io.syscallexporter.collect;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.process.KernelSymbols;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Runs the kernel's scan of the syscalls in flight, which reports each call past its timeout
 * that counts under the policy. A call is described once, when first reported: the file
 * behind its fd (from the kernel), its wchan (from /proc, best effort) and its symbolized
 * kernel stack. Each call counts once in the totals; the gauge is what the last scan saw. Each
 * timed-out call is logged when found and again when it is gone.
 */
@Singleton
public final class TimeoutScanner {
  /** A call is the same call while its thread and start time are. */
  private record CallId(int tid, long startNanos) {}

  private final KernelSource kernel;
  private final SyscallTable syscalls;
  private final ProcFs proc;
  private final KernelSymbols symbols;
  private final ThreadNames threads;
  private final boolean perPid;
  private final LongSupplier monotonicNanos;
  private final RateLimitedLog log;

  private final Map<SeriesKey, Long> totals = new ConcurrentHashMap<>();
  /** Calls past their timeout at the last scan. */
  private Map<CallId, TimedOutCall> seen = new HashMap<>();
  private volatile List<TimedOutCall> current = List.of();
  private volatile long lastScanNanos;
  private volatile long scans;

  @Inject
  public TimeoutScanner(KernelSource kernel, SyscallTable syscalls, ProcFs proc,
      KernelSymbols symbols, ThreadNames threads, ExporterConfig config) {
    // bpf_ktime_get_ns and System.nanoTime both read CLOCK_MONOTONIC on Linux.
    this(kernel, syscalls, proc, symbols, threads, config, System::nanoTime,
        new RateLimitedLog(config.logRateLimit(), System::nanoTime, System.err::println));
  }

  public TimeoutScanner(KernelSource kernel, SyscallTable syscalls, ProcFs proc,
      KernelSymbols symbols, ThreadNames threads, ExporterConfig config,
      LongSupplier monotonicNanos, RateLimitedLog log) {
    this.kernel = kernel;
    this.syscalls = syscalls;
    this.proc = proc;
    this.symbols = symbols;
    this.threads = threads;
    this.perPid = config.perPidLabels();
    this.monotonicNanos = monotonicNanos;
    this.log = log;
  }

  /** One scan; called from the scheduler thread. */
  public synchronized void scan() {
    long began = System.nanoTime();
    InflightScan scan = kernel.scanInflight();
    long now = monotonicNanos.getAsLong();
    Map<CallId, TimedOutCall> next = new HashMap<>();
    List<StuckCall> fresh = new ArrayList<>();
    for (StuckCall c : scan.stuck()) {
      CallId id = new CallId(c.tid(), c.startNanos());
      TimedOutCall known = seen.get(id);
      if (known != null) {
        next.put(id, known);
      } else {
        fresh.add(c);
      }
    }
    Map<Long, String> names = symbols.symbolize(fresh.stream()
        .flatMap(c -> Arrays.stream(c.kernelStack()).boxed()).toList());
    for (StuckCall c : fresh) {
      TimedOutCall call = describe(c, names);
      next.put(new CallId(c.tid(), c.startNanos()), call);
      totals.merge(call.series(), 1L, Long::sum);
      log.accept(Log.line("warn", "syscall timed out", fields(call, "age_seconds", now)));
    }
    seen.forEach((id, call) -> {
      if (!next.containsKey(id)) {
        // It returned (or its thread died) since the last scan: its latency is at most this.
        log.accept(Log.line("info", "timed-out syscall returned",
            fields(call, "latency_seconds_at_most", now)));
      }
    });
    seen = next;
    current = next.values().stream()
        .sorted(Comparator.comparingLong(TimedOutCall::startNanos)).toList();
    lastScanNanos = System.nanoTime() - began;
    scans++;
  }

  private TimedOutCall describe(StuckCall c, Map<Long, String> names) {
    boolean hasFd = c.fdKind() != FdKind.NONE;
    String file = hasFd ? kernel.fdPath(c.pid(), c.tid(), c.arg0()).orElse(null) : null;
    List<String> stack = Arrays.stream(c.kernelStack()).mapToObj(names::get).toList();
    // The same key the histograms have, so the call lands in the same label set.
    SeriesKey key = threads.seriesKey(c, perPid);
    ThreadNames.StuckThread thread = threads.stuckThread(c.pid(), c.nsTid(), c.thread());
    return new TimedOutCall(key, syscalls.name(c.nr()), c.tid(), c.pid(), c.process(),
        thread.name(), c.startNanos(), hasFd ? c.arg0() : null, file,
        proc.wchan(c.pid(), c.tid()).orElse(null), stack, thread.javaStack());
  }

  private static Object[] fields(TimedOutCall c, String ageKey, long now) {
    List<Object> f = new ArrayList<>(List.of("syscall", c.syscall(),
        ageKey, String.format(Locale.ROOT, "%.3f", c.ageSeconds(now)),
        "tid", Integer.toUnsignedString(c.tid()), "pid", Integer.toUnsignedString(c.pid()),
        "process", c.process(), "thread", c.thread()));
    if (c.fd() != null) {
      f.addAll(List.of("fd", c.fd(), "file", String.valueOf(c.file())));
    }
    if (c.wchan() != null) {
      f.addAll(List.of("wchan", c.wchan()));
    }
    if (!c.kernelStack().isEmpty()) {
      f.addAll(List.of("kernel_stack", String.join(";", c.kernelStack())));
    }
    if (!c.javaStack().isEmpty()) {
      f.addAll(List.of("java_stack", String.join(";", c.javaStack())));
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

  /** Log lines about timed-out calls not written because of --log.rate-limit. */
  public long unlogged() {
    return log.suppressed();
  }

  public double lastScanSeconds() {
    return lastScanNanos / 1e9;
  }

  public long scans() {
    return scans;
  }
}
