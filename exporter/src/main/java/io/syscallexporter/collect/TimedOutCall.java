package io.syscallexporter.collect;

import java.util.List;

/**
 * A syscall in flight past its timeout, with what the on-call person needs to find it: who is
 * stuck, in what, on which file or socket ({@code fd} and {@code file}, null for calls without
 * an fd; {@code file} also null when the kernel cannot name it), where in the kernel ({@code
 * wchan}, null when /proc does not say) and how it got there ({@code kernelStack}, innermost
 * first; empty when unknown). In agent mode {@code thread} is the full Java thread name and
 * {@code javaStack} its Java stack, innermost first; elsewhere it is empty.
 */
public record TimedOutCall(SeriesKey series, String syscall, int tid, int pid, String process,
    String thread, long startNanos, Long fd, String file, String wchan,
    List<String> kernelStack, List<String> javaStack) {

  public double ageSeconds(long nowNanos) {
    return (nowNanos - startNanos) / 1e9;
  }
}
