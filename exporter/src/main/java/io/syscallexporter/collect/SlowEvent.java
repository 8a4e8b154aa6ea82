package io.syscallexporter.collect;

/**
 * A completed syscall at or above the slow threshold, sent by the kernel. {@code nsTid} is the
 * thread's id in its own pid namespace, as in {@link StuckCall}.
 */
public record SlowEvent(long latencyNanos, int tid, int nsTid, int pid, int nr, String thread,
    String process) {}
