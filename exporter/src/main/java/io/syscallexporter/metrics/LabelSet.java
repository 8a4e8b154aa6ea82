package io.syscallexporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;

/**
 * The labels of a per-(syscall, process) series; {@code pid} and {@code cgroup} are null unless
 * their labels are on.
 */
public record LabelSet(String syscall, String process, String pid, String cgroup) {

  /** Labels without a cgroup. */
  public LabelSet(String syscall, String process, String pid) {
    this(syscall, process, pid, null);
  }

  public Labels labels() {
    Labels.Builder b = Labels.builder();
    if (cgroup != null) {
      b.label("cgroup", cgroup);
    }
    if (pid != null) {
      b.label("pid", pid);
    }
    return b.label("process", process).label("syscall", syscall).build();
  }
}
