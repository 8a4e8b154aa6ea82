package io.syscallexporter.collect;

/**
 * What identifies a series in the kernel's terms: process name, pid (0 unless pid labels are
 * on), syscall number and cgroup v2 id (0 unless cgroup labels are on). For a thread of a JVM
 * that joined the host exporter ({@code joined}), process is the thread's pool as the kernel
 * keys it and pid the JVM's. The metrics package turns it into labels.
 */
public record SeriesKey(String process, int pid, int nr, long cgroup, boolean joined) {

  /** A key of a process that has not joined. */
  public SeriesKey(String process, int pid, int nr, long cgroup) {
    this(process, pid, nr, cgroup, false);
  }

  /** A key without a cgroup. */
  public SeriesKey(String process, int pid, int nr) {
    this(process, pid, nr, 0);
  }
}
