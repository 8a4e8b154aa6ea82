package io.syscallexporter.metrics;

import io.prometheus.metrics.model.snapshots.Labels;

/** The labels of a per-(syscall, process) series; {@code pid} is null unless pid labels are on. */
public record LabelSet(String syscall, String process, String pid) {

  public Labels labels() {
    return pid == null
        ? Labels.of("process", process, "syscall", syscall)
        : Labels.of("pid", pid, "process", process, "syscall", syscall);
  }
}
