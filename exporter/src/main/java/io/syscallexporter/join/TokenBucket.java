package io.syscallexporter.join;

/** A pace: up to {@code burst} at once, refilled {@code perSecond}; not thread-safe. */
final class TokenBucket {
  private static final double SECOND = 1e9;

  private final double burst;
  private final double perSecond;
  private double tokens;
  private long refilledAt;

  TokenBucket(double burst, double perSecond, long nowNanos) {
    this.burst = burst;
    this.perSecond = perSecond;
    this.tokens = burst;
    this.refilledAt = nowNanos;
  }

  /** Takes one token if there is one. */
  boolean take(long nowNanos) {
    refill(nowNanos);
    if (tokens < 1) {
      return false;
    }
    tokens--;
    return true;
  }

  /** Whether it is full again: nothing taken lately. */
  boolean full(long nowNanos) {
    refill(nowNanos);
    return tokens >= burst;
  }

  private void refill(long nowNanos) {
    tokens = Math.min(burst, tokens + (nowNanos - refilledAt) / SECOND * perSecond);
    refilledAt = nowNanos;
  }
}
