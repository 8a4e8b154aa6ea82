package io.syscallexporter.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.syscalls.SyscallTable;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyscallPolicyTest {
  private final SyscallPolicy defaults = SyscallPolicy.defaults(Duration.ofSeconds(10));

  @Test
  void defaultPolicyByClass() {
    assertThat(defaults.timeout("epoll_wait").never()).isTrue();
    assertThat(defaults.timeout("futex").never()).isTrue();
    assertThat(defaults.timeout("read")).isEqualTo(new SyscallPolicy.Timeout(10_000_000_000L, true));
    assertThat(defaults.timeout("fsync").onlyOnFiles()).isTrue();
    assertThat(defaults.timeout("openat")).isEqualTo(new SyscallPolicy.Timeout(10_000_000_000L, false));
    assertThat(defaults.timeout("sync").never()).isFalse();
    assertThat(defaults.slow("nanosleep")).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(defaults.slow("write")).isEqualTo(Layouts.COUNT_IF_FILE);
    assertThat(defaults.slow("mount")).isEqualTo(Layouts.COUNT_ALWAYS);
  }

  @Test
  void configOverridesTheClass() {
    SyscallPolicy p = new SyscallPolicy(Duration.ofSeconds(10),
        Map.of("futex", Duration.ofMinutes(5), "read", Duration.ofSeconds(30)), Set.of("openat"),
        Set.of("futex"), Set.of("write"), false);
    assertThat(p.timeout("futex")).isEqualTo(new SyscallPolicy.Timeout(300_000_000_000L, false));
    assertThat(p.timeout("read").onlyOnFiles()).isFalse();
    assertThat(p.timeout("openat").never()).isTrue();
    assertThat(p.slow("futex")).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(p.slow("write")).isEqualTo(Layouts.COUNT_NEVER);
  }

  @Test
  void slowAllCountsWaitsButNotExclusions() {
    SyscallPolicy p = new SyscallPolicy(Duration.ofSeconds(10), Map.of(), Set.of(), Set.of(),
        Set.of("poll"), true);
    assertThat(p.slow("nanosleep")).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(p.slow("read")).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(p.slow("poll")).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(p.timeout("nanosleep").never()).as("timeouts keep their policy").isTrue();
  }

  @Test
  void kernelTablesAreIndexedBySyscallNumber() {
    SyscallTable x86 = SyscallTable.forArch("x86_64");
    SyscallPolicy.KernelTables t = new SyscallPolicy(Duration.ofSeconds(10),
        Map.of("futex", Duration.ofSeconds(1)), Set.of("sync"), Set.of(), Set.of(), false)
        .kernelTables(x86);
    assertThat(t.slow()).hasSize(Layouts.POLICY_SLOTS);
    assertThat(t.slow()[0]).isEqualTo(Layouts.COUNT_IF_FILE); // read
    assertThat(t.slow()[35]).isEqualTo(Layouts.COUNT_NEVER); // nanosleep
    assertThat(t.slow()[257]).isEqualTo(Layouts.COUNT_ALWAYS); // openat
    assertThat(t.timeout()[0]).isEqualTo(Layouts.COUNT_IF_FILE);
    assertThat(t.timeoutNanos()[0]).isEqualTo(10_000_000_000L);
    assertThat(t.timeout()[35]).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(t.timeout()[202]).isEqualTo(Layouts.COUNT_ALWAYS); // futex, configured
    assertThat(t.timeoutNanos()[202]).isEqualTo(1_000_000_000L);
    assertThat(t.timeout()[162]).isEqualTo(Layouts.COUNT_NEVER); // sync, excluded
    assertThat(t.fdArg()[0]).isEqualTo((byte) 1);
    assertThat(t.fdArg()[74]).isEqualTo((byte) 1); // fsync
    assertThat(t.fdArg()[257]).isZero(); // openat's first argument is a directory fd, not waited on
    assertThat(t.defaultTimeoutNanos()).isEqualTo(10_000_000_000L);
  }
}
