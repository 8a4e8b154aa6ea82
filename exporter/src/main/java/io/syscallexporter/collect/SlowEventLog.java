package io.syscallexporter.collect;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** Logs each slow syscall event from the kernel as one logfmt line, rate-limited. */
@Singleton
public final class SlowEventLog implements Consumer<SlowEvent> {
  private final SyscallTable syscalls;
  private final ThreadNames threads;
  private final RateLimitedLog out;
  private final AtomicLong received = new AtomicLong();

  @Inject
  public SlowEventLog(SyscallTable syscalls, ThreadNames threads, ExporterConfig config) {
    this(syscalls, threads, new RateLimitedLog(config.logRateLimit(), System::nanoTime,
        System.err::println));
  }

  public SlowEventLog(SyscallTable syscalls, ThreadNames threads, RateLimitedLog out) {
    this.syscalls = syscalls;
    this.threads = threads;
    this.out = out;
  }

  @Override
  public void accept(SlowEvent e) {
    received.incrementAndGet();
    // The Java thread name may cost a look at the JVM's threads: only for lines written.
    out.accept(() -> line(e));
  }

  /**
   * A virtual thread's call names its pool (which of its threads is not known when the call
   * returns: the kernel sees its carrier) and the carrier.
   */
  private String line(SlowEvent e) {
    String thread = threads.nameOf(e.pid(), e.nsTid(), e.thread());
    boolean virtual = e.key().virtual();
    List<Object> fields = new ArrayList<>(List.of(
        "syscall", syscalls.name(e.nr()),
        "latency_seconds", String.format(Locale.ROOT, "%.6f", e.latencyNanos() / 1e9),
        "tid", Integer.toUnsignedString(e.tid()),
        "pid", Integer.toUnsignedString(e.pid()),
        "process", e.process(),
        "thread", virtual ? threads.labelsOf(e.key()).thread() : thread));
    if (virtual) {
      fields.addAll(List.of("carrier", thread));
    }
    fields.addAll(e.context().logFields());
    return Log.line("warn", "slow syscall", fields.toArray());
  }

  /** Slow events received from the kernel. */
  public long received() {
    return received.get();
  }

  /** Slow events not logged because of the rate limit. */
  public long suppressed() {
    return out.suppressed();
  }
}
