package io.syscallexporter.collect;

/**
 * What identifies a series in the kernel's terms: process name, pid (0 unless pid labels are
 * on), syscall number and cgroup v2 id (0 unless cgroup labels are on). The metrics package
 * turns it into labels.
 */
public record SeriesKey(String process, int pid, int nr, long cgroup) {

  /** A key without a cgroup. */
  public SeriesKey(String process, int pid, int nr) {
    this(process, pid, nr, 0);
  }
}
