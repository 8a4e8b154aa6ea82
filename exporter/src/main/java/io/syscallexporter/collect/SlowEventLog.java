package io.syscallexporter.collect;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs each slow syscall event as one logfmt line, at most {@code --slow.log-rate} lines per
 * second (a token bucket holding one second's worth); the rest are counted.
 */
@Singleton
public final class SlowEventLog implements Consumer<SlowEvent> {
  private final SyscallTable syscalls;
  private final int perSecond;
  private final LongSupplier clockNanos;
  private final Consumer<String> out;
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private double tokens;
  private long lastRefill;

  @Inject
  public SlowEventLog(SyscallTable syscalls, ExporterConfig config) {
    this(syscalls, config.slowLogPerSecond(), System::nanoTime, System.err::println);
  }

  public SlowEventLog(SyscallTable syscalls, int perSecond, LongSupplier clockNanos,
      Consumer<String> out) {
    this.syscalls = syscalls;
    this.perSecond = perSecond;
    this.clockNanos = clockNanos;
    this.out = out;
    this.tokens = perSecond;
    this.lastRefill = clockNanos.getAsLong();
  }

  @Override
  public void accept(SlowEvent e) {
    received.incrementAndGet();
    if (!takeToken()) {
      suppressed.incrementAndGet();
      return;
    }
    out.accept(Log.line("warn", "slow syscall",
        "syscall", syscalls.name(e.nr()),
        "latency_seconds", String.format("%.6f", e.latencyNanos() / 1e9),
        "tid", Integer.toUnsignedString(e.tid()),
        "pid", Integer.toUnsignedString(e.pid()),
        "process", e.process(),
        "thread", e.thread()));
  }

  private synchronized boolean takeToken() {
    long now = clockNanos.getAsLong();
    tokens = Math.min(perSecond, tokens + (now - lastRefill) * perSecond / 1e9);
    lastRefill = now;
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  /** Slow events received from the kernel. */
  public long received() {
    return received.get();
  }

  /** Slow events not logged because of the rate limit. */
  public long suppressed() {
    return suppressed.get();
  }
}
