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
    public String nameOf(int tid, String comm, boolean urgent) {
      return comm;
    }

    @Override
    public List<String> javaStack(int tid) {
      return List.of();
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

  /**
   * The name to show for one thread: its full Java name when known, else its comm. {@code
   * urgent}: worth a fresh look at the JVM's threads now (a stuck call), not only a cached one.
   */
  String nameOf(int tid, String comm, boolean urgent);

  /** The thread's Java stack, innermost first; empty when unknown or not a Java thread. */
  List<String> javaStack(int tid);
}
