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
 * kernel stack; a JVM's thread, by the name and Java stack its JVM gives (asked for without
 * waiting). Each call counts once in the totals; the gauge is what the last scan saw. Each
 * timed-out call is logged once described and again when it is gone.
 */
@Singleton
public final class TimeoutScanner {
  /** A call is the same call while its thread and start time are. */
  private record CallId(int tid, long startNanos) {}

  /** A timed-out call as described so far; logged once described, or once gone. */
  private static final class Seen {
    TimedOutCall call;
    long lastSeenNanos;
    boolean logged;
    /** It returned: no answer changes it any more. */
    boolean gone;
    /** No JVM knew its process yet: asked again at the next scan. */
    boolean askAgain;

    Seen(TimedOutCall call, long now) {
      this.call = call;
      this.lastSeenNanos = now;
    }
  }

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
  private Map<CallId, Seen> seen = new HashMap<>();
  private boolean seedingWarned;
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
    if (!scan.seeding() && !seedingWarned) {
      seedingWarned = true;
      Log.warn("this kernel cannot show calls that began before the exporter started (Linux"
          + " 5.15 can, with bpf_task_pt_regs): they are not seen until their thread's next"
          + " syscall");
    }
    long now = monotonicNanos.getAsLong();
    Map<CallId, Seen> next = new HashMap<>();
    List<StuckCall> fresh = new ArrayList<>();
    List<Runnable> askThreads = new ArrayList<>();
    for (StuckCall c : scan.stuck()) {
      CallId id = new CallId(c.tid(), c.startNanos());
      Seen known = seen.get(id);
      if (known != null) {
        known.lastSeenNanos = now;
        next.put(id, known);
        if (known.askAgain) {
          known.askAgain = false;
          askThreads.add(() -> ask(known, c));
        }
      } else {
        fresh.add(c);
      }
    }
    Map<Long, String> names = symbols.symbolize(fresh.stream()
        .flatMap(c -> Arrays.stream(c.kernelStack()).boxed()).toList());
    for (StuckCall c : fresh) {
      Seen s = new Seen(describe(c, names), now);
      next.put(new CallId(c.tid(), c.startNanos()), s);
      totals.merge(s.call.series(), 1L, Long::sum);
      // A JVM's thread is named, and its Java stack taken, by the JVM: logged once they come
      // (or their deadline passes), never waited for here.
      askThreads.add(() -> ask(s, c));
    }
    seen.forEach((id, s) -> {
      if (!next.containsKey(id)) {
        // It returned (or its thread died) since the last scan.
        s.gone = true;
        logTimedOut(s, now);
        log.accept(Log.line("info", "timed-out syscall returned", s.call.beganBefore()
            // Its start is unknown: it lasted at least as long as the last scan saw it.
            ? fields(s.call, "latency_seconds_at_least", s.lastSeenNanos)
            : fields(s.call, "latency_seconds_at_most", now)));
      }
    });
    seen = next;
    publish();
    // After the scan's state is in place: an answer already there is applied at once.
    askThreads.forEach(Runnable::run);
    lastScanNanos = System.nanoTime() - began;
    scans++;
  }

  private void ask(Seen s, StuckCall c) {
    threads.stuckThread(c.pid(), c.nsTid(), c.thread()).thenAccept(t -> described(s, t));
  }

  /**
   * A stuck call's thread, as its JVM named it: shown from now on, and logged (once: a call
   * whose JVM joins only later, as after this exporter's restart, was logged as the kernel named
   * it, and is shown as its JVM names it from then on).
   */
  private synchronized void described(Seen s, ThreadNames.StuckThread thread) {
    if (s.gone) {
      return; // it returned before its JVM answered, and was logged as it was
    }
    if (thread == null) {
      s.askAgain = true;
    } else {
      s.call = s.call.withThread(thread);
      publish();
    }
    logTimedOut(s, monotonicNanos.getAsLong());
  }

  private void logTimedOut(Seen s, long now) {
    if (!s.logged) {
      s.logged = true;
      log.accept(Log.line("warn", "syscall timed out", fields(s.call,
          s.call.beganBefore() ? "age_seconds_at_least" : "age_seconds", now)));
    }
  }

  private void publish() {
    current = seen.values().stream().map(s -> s.call)
        .sorted(Comparator.comparingLong(TimedOutCall::startNanos)).toList();
  }

  private TimedOutCall describe(StuckCall c, Map<Long, String> names) {
    boolean hasFd = c.fdKind() != FdKind.NONE;
    String file = hasFd ? kernel.fdPath(c.pid(), c.tid(), c.arg0()).orElse(null) : null;
    List<String> stack = Arrays.stream(c.kernelStack()).mapToObj(names::get).toList();
    // The same key the histograms have, so the call lands in the same label set.
    SeriesKey key = threads.seriesKey(c, perPid);
    return new TimedOutCall(key, syscalls.name(c.nr()), c.tid(), c.pid(), c.process(),
        c.thread(), c.startNanos(), hasFd ? c.arg0() : null, file,
        proc.wchan(c.pid(), c.tid()).orElse(null), stack, List.of(), c.beganBefore(),
        c.resumes() < 0 ? null : syscalls.name(c.resumes()),
        c.hasContext() ? kernel.traceContext(c.pid(), c.tid(), c.startNanos())
            : TraceContext.NONE, null);
  }

  private static Object[] fields(TimedOutCall c, String ageKey, long now) {
    List<Object> f = new ArrayList<>(List.of("syscall", c.syscall()));
    if (c.resumes() != null) {
      f.addAll(List.of("resumes", c.resumes()));
    }
    f.addAll(List.of(ageKey, String.format(Locale.ROOT, "%.3f", c.ageSeconds(now)),
        "tid", Integer.toUnsignedString(c.tid()), "pid", Integer.toUnsignedString(c.pid()),
        "process", c.process(), "thread", c.thread()));
    if (c.carrier() != null) {
      f.addAll(List.of("carrier", c.carrier()));
    }
    if (c.fd() != null) {
      f.addAll(List.of("fd", c.fd(), "file", String.valueOf(c.file())));
    }
    if (c.wchan() != null) {
      f.addAll(List.of("wchan", c.wchan()));
    }
    f.addAll(c.trace().logFields());
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
