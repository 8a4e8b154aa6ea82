package io.syscallexporter.collect;

/**
 * A completed syscall at or above the slow threshold, sent by the kernel. {@code nsTid} is the
 * thread's id in its own pid namespace, as in {@link StuckCall}; {@code key} the series the
 * kernel counted it in; {@code context} the trace context the thread made it in.
 */
public record SlowEvent(long latencyNanos, int tid, int nsTid, int pid, int nr, String thread,
    String process, SeriesKey key, TraceContext context) {}
