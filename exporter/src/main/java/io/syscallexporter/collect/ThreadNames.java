package io.syscallexporter.collect;

import java.util.List;

/**
 * How threads are named in labels, logs and the on-call view. On a host there is no thread
 * label and a thread is its comm. In agent mode the kernel keys histograms by the thread's pool
 * as its comm shows it (the number at its end replaced by {@code *}), and a series is labelled
 * by Java thread pool.
 */
public interface ThreadNames {

  /** On a host: series by process, threads by comm. */
  ThreadNames HOST = new ThreadNames() {
    @Override
    public String seriesName(String process, String thread) {
      return process;
    }

    @Override
    public String processName() {
      return null;
    }

    @Override
    public String poolOf(String comm) {
      return null;
    }

    @Override
    public String nameOf(int tid, String comm) {
      return comm;
    }

    @Override
    public StuckThread stuckThread(int tid, String comm) {
      return new StuckThread(comm, List.of());
    }
  };

  /**
   * The name a series key carries for a thread in {@code process} whose comm is {@code thread},
   * as the kernel writes it into histogram keys.
   */
  String seriesName(String process, String thread);

  /** The process label of every series in agent mode; null on a host. */
  String processName();

  /** The thread label of a series whose key carries this name; null: no thread label. */
  String poolOf(String seriesName);

  /** A thread's name and Java stack (innermost first; empty when unknown or not Java). */
  record StuckThread(String name, List<String> javaStack) {}

  /**
   * The name to show for a thread that made a slow call: its full Java name when that is cheap
   * to know, else its comm. Slow calls may come by the thousand. {@code tid}: in the thread's
   * own pid namespace.
   */
  String nameOf(int tid, String comm);

  /**
   * The thread of a stuck call, which is rare: worth a fresh look at the JVM's threads.
   * {@code tid}: in the thread's own pid namespace.
   */
  StuckThread stuckThread(int tid, String comm);
}
