package io.syscallexporter.collect;

/**
 * What identifies a series in the kernel's terms: process name, pid (0 unless pid labels are
 * on), syscall number and cgroup v2 id (0 unless cgroup labels are on). A thread of a JVM
 * measured by Java thread pool (agent mode, or a JVM that joined the host exporter) is keyed
 * by pool: {@code pool} is {@link #BY_COMM} with {@code process} its comm's pool (a thread not
 * named yet), or the id its JVM's pools gave it (process empty); for a joined JVM, pid is the
 * JVM's. {@link #NOT_BY_POOL}: a process's key. The metrics package turns it into labels.
 */
public record SeriesKey(String process, int pid, int nr, long cgroup, int pool) {
  /** As enum thread_pool in bpf/syscall_exporter.h (Layouts, checked against it). */
  public static final int NOT_BY_POOL = 0;
  public static final int BY_COMM = 1;
  /** The first pool id user space gives; ids below are the kernel's. */
  public static final int FIRST_POOL_ID = 2;
  /**
   * A call a carrier thread made for the virtual thread mounted on it: this bit, and the pool
   * index the JVM gave the virtual thread's pool (index 0: the kernel could not read which).
   */
  public static final int VIRTUAL = 0x8000;
  /** Virtual thread pool indexes a JVM may give: one byte in the carrier's record. */
  public static final int MAX_VIRTUAL_POOLS = 255;

  /** A process's key. */
  public SeriesKey(String process, int pid, int nr, long cgroup) {
    this(process, pid, nr, cgroup, NOT_BY_POOL);
  }

  /** A process's key without a cgroup. */
  public SeriesKey(String process, int pid, int nr) {
    this(process, pid, nr, 0);
  }

  /** Whether this is a thread pool's key, not a process's. */
  public boolean byPool() {
    return pool != NOT_BY_POOL;
  }

  /** Whether this key is a virtual thread pool's ({@link #virtualIndex}). */
  public boolean virtual() {
    return (pool & VIRTUAL) != 0;
  }

  /** A virtual thread pool's index in its JVM (0: unknown); meaningful if {@link #virtual}. */
  public int virtualIndex() {
    return pool & ~VIRTUAL;
  }

  /** Whether this is a thread pool's key of process {@code pid} (a JVM's, by pool). */
  public boolean poolOf(int pid) {
    return byPool() && this.pid == pid;
  }
}
