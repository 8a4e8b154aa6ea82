package io.syscallexporter.collect;

/** A completed syscall at or above the slow threshold, sent by the kernel. */
public record SlowEvent(long latencyNanos, int tid, int pid, int nr, String thread,
    String process) {}
