package io.syscallexporter.collect;

/** A thread's current syscall, as the kernel marked it at sys_enter. */
public record InflightEntry(int tid, int pid, int nr, long startNanos) {}
