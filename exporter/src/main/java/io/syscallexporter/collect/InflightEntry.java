package io.syscallexporter.collect;

/** A thread's current syscall, as the kernel marked it at sys_enter; arg0 is its first argument. */
public record InflightEntry(int tid, int pid, int nr, long startNanos, long arg0) {}
