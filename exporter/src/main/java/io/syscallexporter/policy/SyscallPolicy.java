package io.syscallexporter.policy;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.syscalls.SyscallTable;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Which syscalls count as timed out (and after how long) and which count as slow: the default
 * policy of {@link SyscallClass}, adjusted by the config file.
 *
 * <p>Timeouts: a WAIT call never times out; a PROMPT call times out after the default timeout;
 * an FD call times out after it only when its fd is a regular file or block device. A timeout
 * set for a syscall in the config file makes it count after that time whatever its class and
 * fd; an excluded syscall never counts. Slow calls follow the same classes, with the config
 * file's include (count even if a wait) and exclude (never count) lists.
 */
public final class SyscallPolicy {
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

  public SyscallPolicy(Duration defaultTimeout, Map<String, Duration> timeouts,
      Set<String> timeoutExclude, Set<String> slowInclude, Set<String> slowExclude) {
    this.defaultTimeout = defaultTimeout;
    this.timeouts = Map.copyOf(timeouts);
    this.timeoutExclude = Set.copyOf(timeoutExclude);
    this.slowInclude = Set.copyOf(slowInclude);
    this.slowExclude = Set.copyOf(slowExclude);
  }

  /** The default policy with one timeout for all. */
  public static SyscallPolicy defaults(Duration timeout) {
    return new SyscallPolicy(timeout, Map.of(), Set.of(), Set.of(), Set.of());
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

  /** The kernel's slow policy for a syscall (Layouts.SLOW_*). */
  public byte slow(String syscall) {
    if (slowExclude.contains(syscall)) {
      return Layouts.SLOW_NEVER;
    }
    if (slowInclude.contains(syscall)) {
      return Layouts.SLOW_ALWAYS;
    }
    return switch (SyscallClass.of(syscall)) {
      case WAIT -> Layouts.SLOW_NEVER;
      case FD -> Layouts.SLOW_IF_FILE;
      case PROMPT -> Layouts.SLOW_ALWAYS;
    };
  }

  /** The slow policy of every syscall number, as the BPF programs index it. */
  public byte[] slowTable(SyscallTable syscalls) {
    byte[] table = new byte[Layouts.POLICY_SLOTS];
    for (int nr = 0; nr < table.length; nr++) {
      table[nr] = slow(syscalls.name(nr));
    }
    return table;
  }

  /** Timeouts by syscall number, so the scanner does no name lookups per entry. */
  public Timeout[] timeoutTable(SyscallTable syscalls) {
    Timeout[] table = new Timeout[Layouts.POLICY_SLOTS];
    for (int nr = 0; nr < table.length; nr++) {
      table[nr] = timeout(syscalls.name(nr));
    }
    return table;
  }
}
