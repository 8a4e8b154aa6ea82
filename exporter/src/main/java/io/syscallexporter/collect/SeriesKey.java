package io.syscallexporter.collect;

/**
 * What identifies a series in the kernel's terms: process name, pid (0 unless pid labels are
 * on) and syscall number. The metrics package turns it into labels.
 */
public record SeriesKey(String process, int pid, int nr) {}
