package io.syscallexporter.collect;

import java.util.List;

/**
 * How threads are named in labels, logs and the on-call view. On a host there is no thread
 * label and a thread is its comm. In agent mode the kernel keys histograms by the thread's own
 * comm, and a series is labelled by Java thread pool.
 */
public interface ThreadNames {

  /** On a host: series by process, threads by comm. */
  ThreadNames HOST = new ThreadNames() {
    @Override
    public boolean byThread() {
      return false;
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

  /** Whether series keys carry the thread's comm instead of the process's. */
  boolean byThread();

  /** The process label of every series when {@link #byThread()}; null otherwise. */
  String processName();

  /** The thread label of a series whose key carries this comm; null: no thread label. */
  String poolOf(String comm);

  /**
   * The name to show for one thread: its full Java name when known, else its comm. {@code
   * urgent}: worth a fresh look at the JVM's threads now (a stuck call), not only a cached one.
   */
  String nameOf(int tid, String comm, boolean urgent);

  /** The thread's Java stack, innermost first; empty when unknown or not a Java thread. */
  List<String> javaStack(int tid);
}
