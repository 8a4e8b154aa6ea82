package io.syscallexporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;

/**
 * The labels of a per-(syscall, process) series; {@code pid}, {@code cgroup} and {@code thread}
 * (the Java thread pool, in agent mode) are null unless their labels are on.
 */
public record LabelSet(String syscall, String process, String pid, String cgroup,
    String thread) {

  /** Labels without a cgroup or a thread. */
  public LabelSet(String syscall, String process, String pid) {
    this(syscall, process, pid, null, null);
  }

  /** Labels without a thread. */
  public LabelSet(String syscall, String process, String pid, String cgroup) {
    this(syscall, process, pid, cgroup, null);
  }

  public Labels labels() {
    Labels.Builder b = Labels.builder();
    if (cgroup != null) {
      b.label("cgroup", cgroup);
    }
    if (pid != null) {
      b.label("pid", pid);
    }
    if (thread != null) {
      b.label("thread", thread);
    }
    return b.label("process", process).label("syscall", syscall).build();
  }
}
