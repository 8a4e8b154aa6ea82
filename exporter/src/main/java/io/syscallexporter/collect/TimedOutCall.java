package io.syscallexporter.collect;

import java.util.List;

/**
 * A syscall in flight past its timeout, with what the on-call person needs to find it: who is
 * stuck, in what, on which file or socket ({@code fd} and {@code file}, null for calls without
 * an fd; {@code file} also null when the kernel cannot name it), where in the kernel ({@code
 * wchan}, null when /proc does not say) and how it got there ({@code kernelStack}, innermost
 * first; empty when unknown). For a JVM measured by thread pool {@code thread} is the full Java
 * thread name and {@code javaStack} its Java stack, innermost first, once its JVM has said them;
 * elsewhere it is empty. {@code beganBefore}: the call began before the programs could see it
 * begin, and its age is a lower bound (the time its thread has been asleep). {@code resumes}:
 * for a {@code restart_syscall}, the call it resumes after a stop, or null. {@code trace}: the
 * trace context its thread made it in (the request it serves), or NONE. {@code carrier}: the
 * carrier thread's name when {@code thread} is the virtual thread mounted on it; else null.
 */
public record TimedOutCall(SeriesKey series, String syscall, int tid, int pid, String process,
    String thread, long startNanos, Long fd, String file, String wchan,
    List<String> kernelStack, List<String> javaStack, boolean beganBefore, String resumes,
    TraceContext trace, String carrier) {

  public double ageSeconds(long nowNanos) {
    return (nowNanos - startNanos) / 1e9;
  }

  /**
   * The same call with its thread's name and Java stack as its JVM told them, and its trace
   * context where the kernel had none (the thread registered its record with programs that
   * have gone since).
   */
  public TimedOutCall withThread(ThreadNames.StuckThread t) {
    return new TimedOutCall(series, syscall, tid, pid, process, t.name(), startNanos, fd, file,
        wchan, kernelStack, t.javaStack(), beganBefore, resumes,
        trace.present() ? trace : t.trace(), t.carrier());
  }
}
