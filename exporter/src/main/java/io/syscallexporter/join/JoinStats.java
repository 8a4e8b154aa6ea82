package io.syscallexporter.join;

import com.google.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** What the agent socket has seen: for {@code syscall_exporter_agent*} metrics. */
@Singleton
public final class JoinStats {
  /** Why a connection was closed or refused without a JVM joining, or after one did. */
  public enum Error {
    MALFORMED("malformed"), TIMEOUT("timeout"), REFUSED("refused"), BUSY("busy"),
    /** Frames past a client's pace (dropped), and joins past its user's (refused). */
    RATE_LIMITED("rate_limited"),
    /** Names past the heap its user's JVMs, or all JVMs, may take here (refused). */
    OVER_BUDGET("over_budget");

    public final String label;

    Error(String label) {
      this.label = label;
    }
  }

  private final Map<Error, AtomicLong> errors = new ConcurrentHashMap<>();
  private final AtomicLong joins = new AtomicLong();
  private final AtomicLong poolsOverLimit = new AtomicLong();

  public JoinStats() {
    for (Error e : Error.values()) {
      errors.put(e, new AtomicLong());
    }
  }

  void count(Error e) {
    errors.get(e).incrementAndGet();
  }

  void joined() {
    joins.incrementAndGet();
  }

  void poolOverLimit() {
    poolsOverLimit.incrementAndGet();
  }

  /** Kernel series of joined JVMs labelled thread="_other": past a JVM's pool bound. */
  public long poolsOverLimit() {
    return poolsOverLimit.get();
  }

  public long errors(Error e) {
    return errors.get(e).get();
  }

  /** JVMs that joined since start, rejoins included. */
  public long joins() {
    return joins.get();
  }
}
