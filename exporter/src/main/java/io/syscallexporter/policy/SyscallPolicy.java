package io.syscallexporter.policy;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.syscalls.SyscallTable;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Which syscalls count as timed out (and after how long) and which count as slow: the default
 * policy of {@link SyscallClass}, adjusted by the config file and {@code --slow.all}. The BPF
 * programs apply it, from the tables of {@link #kernelTables}.
 *
 * <p>Timeouts: a WAIT call never times out; a PROMPT call times out after the default timeout;
 * an FD call times out after it only when its fd is a regular file or block device. A timeout
 * set for a syscall in the config file makes it count after that time whatever its class and
 * fd; an excluded syscall never counts. Slow calls follow the same classes, with the config
 * file's include (count even if a wait) and exclude (never count) lists; {@code slowAll}
 * includes every syscall but the excluded ones.
 */
public final class SyscallPolicy {
  /**
   * What the kernel runs to resume a wait a stop interrupted (SIGSTOP and SIGCONT, a tracer, the
   * freezer). The programs give it the policy of the call it resumes; of its own, it is a wait.
   */
  public static final String RESTART_SYSCALL = "restart_syscall";
  /** How the scanner treats a syscall in flight. */
  public record Timeout(long nanos, boolean onlyOnFiles) {
    public static final Timeout NEVER = new Timeout(Long.MAX_VALUE, false);

    public boolean never() {
      return nanos == Long.MAX_VALUE;
    }
  }

  private final Duration defaultTimeout;
  private final Map<String, Duration> timeouts;
  private final Set<String> timeoutExclude;
  private final Set<String> slowInclude;
  private final Set<String> slowExclude;
  private final boolean slowAll;

  /**
   * The per-syscall tables the BPF programs index by syscall number (Layouts.COUNT_*), and the
   * numbers of {@code restart_syscall} (-1: none), which follows the policy of the call it
   * resumes, of {@code execve} and {@code execveat}, after which a joined JVM is no more, and
   * of {@code pwrite64}, by which a thread registers its trace context record.
   */
  public record KernelTables(byte[] slow, long[] timeoutNanos, byte[] timeout, byte[] fdArg,
      long defaultTimeoutNanos, int restartNr, int execveNr, int execveatNr, int pwriteNr) {}

  public SyscallPolicy(Duration defaultTimeout, Map<String, Duration> timeouts,
      Set<String> timeoutExclude, Set<String> slowInclude, Set<String> slowExclude,
      boolean slowAll) {
    this.slowAll = slowAll;
    this.defaultTimeout = defaultTimeout;
    this.timeouts = Map.copyOf(timeouts);
    this.timeoutExclude = Set.copyOf(timeoutExclude);
    this.slowInclude = Set.copyOf(slowInclude);
    this.slowExclude = Set.copyOf(slowExclude);
  }

  /** The default policy with one timeout for all. */
  public static SyscallPolicy defaults(Duration timeout) {
    return new SyscallPolicy(timeout, Map.of(), Set.of(), Set.of(), Set.of(), false);
  }

  public Timeout timeout(String syscall) {
    if (timeoutExclude.contains(syscall)) {
      return Timeout.NEVER;
    }
    Duration explicit = timeouts.get(syscall);
    if (explicit != null) {
      return new Timeout(explicit.toNanos(), false);
    }
    return switch (SyscallClass.of(syscall)) {
      case WAIT -> Timeout.NEVER;
      case FD -> new Timeout(defaultTimeout.toNanos(), true);
      case PROMPT -> new Timeout(defaultTimeout.toNanos(), false);
    };
  }

  /** Whether completed calls at or above the slow threshold count as slow (Layouts.COUNT_*). */
  public byte slow(String syscall) {
    if (slowExclude.contains(syscall)) {
      return Layouts.COUNT_NEVER;
    }
    if (slowAll || slowInclude.contains(syscall)) {
      return Layouts.COUNT_ALWAYS;
    }
    return switch (SyscallClass.of(syscall)) {
      case WAIT -> Layouts.COUNT_NEVER;
      case FD -> Layouts.COUNT_IF_FILE;
      case PROMPT -> Layouts.COUNT_ALWAYS;
    };
  }

  /** Every syscall number's policy, as the BPF programs index it. */
  public KernelTables kernelTables(SyscallTable syscalls) {
    int n = Layouts.POLICY_SLOTS;
    KernelTables t = new KernelTables(new byte[n], new long[n], new byte[n], new byte[n],
        defaultTimeout.toNanos(), syscalls.number(RESTART_SYSCALL).orElse(-1),
        syscalls.number("execve").orElse(-1), syscalls.number("execveat").orElse(-1),
        syscalls.number("pwrite64").orElse(-1));
    for (int nr = 0; nr < n; nr++) {
      String name = syscalls.name(nr);
      Timeout timeout = timeout(name);
      t.slow()[nr] = slow(name);
      t.timeoutNanos()[nr] = timeout.nanos();
      t.timeout()[nr] = timeout.never() ? Layouts.COUNT_NEVER
          : timeout.onlyOnFiles() ? Layouts.COUNT_IF_FILE : Layouts.COUNT_ALWAYS;
      t.fdArg()[nr] = (byte) (SyscallClass.of(name) == SyscallClass.FD ? 1 : 0);
    }
    return t;
  }
}
