package io.syscallexporter.collect;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Passes at most {@code perSecond} lines a second to its output (a token bucket holding one
 * second's worth, so bursts are bounded too) and counts the rest.
 */
public final class RateLimitedLog implements Consumer<String> {
  private final int perSecond;
  private final LongSupplier clockNanos;
  private final Consumer<String> out;
  private final AtomicLong suppressed = new AtomicLong();
  private double tokens;
  private long lastRefill;

  public RateLimitedLog(int perSecond, LongSupplier clockNanos, Consumer<String> out) {
    this.perSecond = perSecond;
    this.clockNanos = clockNanos;
    this.out = out;
    this.tokens = perSecond;
    this.lastRefill = clockNanos.getAsLong();
  }

  @Override
  public void accept(String line) {
    accept(() -> line);
  }

  /** Builds the line only when it will be written. */
  public void accept(Supplier<String> line) {
    if (takeToken()) {
      out.accept(line.get());
    } else {
      suppressed.incrementAndGet();
    }
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

  /** Lines not written because of the limit. */
  public long suppressed() {
    return suppressed.get();
  }
}
