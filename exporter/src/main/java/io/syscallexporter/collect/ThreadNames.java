package io.syscallexporter.collect;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * How threads are named in labels, logs and the on-call view. On a host a series is a process
 * and a thread is its comm. A JVM measured by Java thread pool (the agent's own JVM, or a JVM
 * that joined the host exporter) has its histograms keyed by the thread's pool as its comm
 * shows it (the number at its end replaced by {@code *}), and a series is labelled by process
 * and Java thread pool. Thread ids are as the thread's own pid namespace knows them.
 */
public interface ThreadNames {

  /** On a host without joined JVMs: series by process, threads by comm. */
  ThreadNames HOST = new ThreadNames() {
    @Override
    public SeriesKey seriesKey(StuckCall c, boolean perPid) {
      return processKey(c, perPid);
    }

    @Override
    public Labels labelsOf(SeriesKey key, long seenNanos) {
      return new Labels(key.process(), null);
    }

    @Override
    public String nameOf(int pid, int tid, String comm) {
      return comm;
    }

    @Override
    public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
      return CompletableFuture.completedFuture(new StuckThread(comm, List.of()));
    }
  };

  /** The key a process's histograms have in the kernel, by process name. */
  static SeriesKey processKey(StuckCall c, boolean perPid) {
    return new SeriesKey(c.process(), perPid ? c.pid() : 0, c.nr(), c.cgroup());
  }

  /** The process and thread labels of a series; thread null: no thread label. */
  record Labels(String process, String thread) {}

  /**
   * A thread's name and Java stack (innermost first; empty when unknown or not Java), and the
   * trace context its JVM read from the thread's record (NONE when it did not). For a call a
   * carrier thread made for a virtual thread: the virtual thread's name, stack and trace, and
   * the carrier's name ({@code carrier}; null for every other thread).
   */
  record StuckThread(String name, List<String> javaStack, TraceContext trace, String carrier) {
    public StuckThread(String name, List<String> javaStack, TraceContext trace) {
      this(name, javaStack, trace, null);
    }

    public StuckThread(String name, List<String> javaStack) {
      this(name, javaStack, TraceContext.NONE);
    }
  }

  /**
   * The key the kernel gives the histograms of a stuck call's thread, so that the call lands in
   * the same label set.
   */
  SeriesKey seriesKey(StuckCall c, boolean perPid);

  /**
   * The labels of a kernel series key; null while they are not known yet: a key of a thread
   * whose pool its JVM has yet to say (its first moments), or of a virtual thread pool whose
   * name has yet to come. The caller holds such a key's counts back and asks again later;
   * {@code seenNanos} is when it first read counts of the key from the kernel (System.nanoTime's
   * clock), after the calls: what its JVM says after that covers them. An implementation gives
   * its best labels once a key has waited as long as it may, never a label its JVM has not
   * confirmed before that. {@link #BEST_NOW}: no waiting.
   */
  Labels labelsOf(SeriesKey key, long seenNanos);

  /** As {@code seenNanos}: the best labels known now, never null. */
  long BEST_NOW = Long.MIN_VALUE;

  /** The labels of a kernel series key, the best known now: never null. */
  default Labels labelsOf(SeriesKey key) {
    return labelsOf(key, BEST_NOW);
  }

  /**
   * The name to show for a thread that made a slow call: its full Java name when that is cheap
   * to know, else its comm. Slow calls may come by the thousand.
   */
  String nameOf(int pid, int tid, String comm);

  /**
   * The thread of a stuck call, which is rare: worth a fresh look at the JVM's threads. It may
   * come later (from a joined JVM), but always comes, within a deadline: the comm when nothing
   * better is known; null while no JVM is joined for {@code pid}, which may still join (the
   * host exporter has just started, and its JVMs join again): asked again at the next scan.
   */
  CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm);

  /**
   * Agent mode, every second: tells the kernel the pool of each of the JVM's threads whose
   * name it cannot read whole. Elsewhere, nothing to do.
   */
  default void nameThreads(KernelSource kernel) {}

  /**
   * Whether the series of this key are served by another endpoint than this exporter's (a
   * joined JVM's, on its service's own /metrics), so this exporter leaves them out: no call is
   * then counted in two jobs.
   */
  default boolean servedElsewhere(SeriesKey key) {
    return false;
  }

  /**
   * Whether the key's series are those of a JVM that joined this exporter, which is sent them
   * as its own (so they are kept apart per JVM too). Elsewhere, none are.
   */
  default boolean ofJoinedJvm(SeriesKey key) {
    return false;
  }
}
