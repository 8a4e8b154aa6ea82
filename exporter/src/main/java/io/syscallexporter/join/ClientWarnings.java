package io.syscallexporter.join;

import io.syscallexporter.collect.RateLimitedLog;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Warnings about the agent socket's clients, paced per uid and in all: one user's flood of bad
 * frames neither floods the log nor hides the warnings about another user's clients.
 */
final class ClientWarnings {
  /** Lines a second about one uid's clients. */
  static final int PER_UID = 1;
  /** Lines a second about all clients: many uids flooding at once still make a bounded log. */
  static final int IN_ALL = 10;
  /** Uids paced apart; a uid past these (least recently warned about) starts afresh. */
  static final int UIDS = 256;

  private final LongSupplier clockNanos;
  private final RateLimitedLog all;
  private final Map<Integer, RateLimitedLog> byUid = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, RateLimitedLog> eldest) {
      return size() > UIDS;
    }
  };

  ClientWarnings(LongSupplier clockNanos, Consumer<String> out) {
    this.clockNanos = clockNanos;
    this.all = new RateLimitedLog(IN_ALL, clockNanos, out);
  }

  /** A warning about a client of user {@code uid}; the line is built only if written. */
  void warn(int uid, Supplier<String> line) {
    RateLimitedLog own;
    synchronized (byUid) {
      own = byUid.computeIfAbsent(uid, u -> new RateLimitedLog(PER_UID, clockNanos, all));
    }
    own.accept(line);
  }

  /** A warning about no one client (an accept that failed): within the overall pace. */
  void warn(Supplier<String> line) {
    all.accept(line);
  }

  /** Lines not written for either pace. */
  long suppressed() {
    long n = all.suppressed();
    synchronized (byUid) {
      for (RateLimitedLog l : byUid.values()) {
        n += l.suppressed();
      }
    }
    return n;
  }
}
