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
    assertThat(defaults.slow("nanosleep")).isEqualTo(Layouts.SLOW_NEVER);
    assertThat(defaults.slow("write")).isEqualTo(Layouts.SLOW_IF_FILE);
    assertThat(defaults.slow("mount")).isEqualTo(Layouts.SLOW_ALWAYS);
  }

  @Test
  void configOverridesTheClass() {
    SyscallPolicy p = new SyscallPolicy(Duration.ofSeconds(10),
        Map.of("futex", Duration.ofMinutes(5), "read", Duration.ofSeconds(30)), Set.of("openat"),
        Set.of("futex"), Set.of("write"));
    assertThat(p.timeout("futex")).isEqualTo(new SyscallPolicy.Timeout(300_000_000_000L, false));
    assertThat(p.timeout("read").onlyOnFiles()).isFalse();
    assertThat(p.timeout("openat").never()).isTrue();
    assertThat(p.slow("futex")).isEqualTo(Layouts.SLOW_ALWAYS);
    assertThat(p.slow("write")).isEqualTo(Layouts.SLOW_NEVER);
  }

  @Test
  void tablesAreIndexedBySyscallNumber() {
    SyscallTable x86 = SyscallTable.forArch("x86_64");
    byte[] slow = defaults.slowTable(x86);
    assertThat(slow).hasSize(Layouts.POLICY_SLOTS);
    assertThat(slow[0]).isEqualTo(Layouts.SLOW_IF_FILE); // read
    assertThat(slow[35]).isEqualTo(Layouts.SLOW_NEVER); // nanosleep
    assertThat(slow[257]).isEqualTo(Layouts.SLOW_ALWAYS); // openat
    assertThat(defaults.timeoutTable(x86)[202].never()).isTrue(); // futex
  }
}
