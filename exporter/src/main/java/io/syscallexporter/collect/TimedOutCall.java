package io.syscallexporter.collect;

/**
 * A syscall in flight past its timeout, with what the on-call person needs to find it: who is
 * stuck, in what, on which file or socket ({@code fdTarget}, null for calls without an fd),
 * and where in the kernel ({@code wchan}, null when the kernel does not say).
 */
public record TimedOutCall(SeriesKey series, String syscall, int tid, int pid, String process,
    String thread, long startNanos, Long fd, String fdTarget, String wchan) {

  public double ageSeconds(long nowNanos) {
    return (nowNanos - startNanos) / 1e9;
  }
}
