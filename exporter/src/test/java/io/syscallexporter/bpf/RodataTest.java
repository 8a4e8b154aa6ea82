package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RodataTest {
  @Test
  void writesTheKnobsWhereTheProgramsReadThem() {
    SyscallPolicy.KernelTables policy = new SyscallPolicy(Duration.ofSeconds(7),
        Map.of("futex", Duration.ofSeconds(3)), Set.of(), Set.of(), Set.of(), false)
        .kernelTables(SyscallTable.forArch("x86_64"));
    ByteBuffer b = ByteBuffer.wrap(Rodata.of(
        SyscallTracer.Settings.host(Duration.ofMillis(500), true, true, policy)))
        .order(ByteOrder.nativeOrder());
    assertThat(b.capacity()).isEqualTo(Layouts.Config.SIZE);
    assertThat(b.getLong(Layouts.Config.SLOW_THRESHOLD_NS)).isEqualTo(500_000_000L);
    assertThat(b.getInt(Layouts.Config.PER_PID)).isEqualTo(1);
    assertThat(b.getInt(Layouts.Config.PER_CGROUP)).isEqualTo(1);
    assertThat(b.getInt(Layouts.Config.TARGET_TGID)).isZero();
    assertThat(b.getInt(Layouts.Config.PER_THREAD)).isZero();
    ByteBuffer agent = ByteBuffer.wrap(Rodata.of(new SyscallTracer.Settings(
        Duration.ofMillis(500), false, false, 4242, true, policy))).order(ByteOrder.nativeOrder());
    assertThat(agent.getInt(Layouts.Config.TARGET_TGID)).isEqualTo(4242);
    assertThat(agent.getInt(Layouts.Config.PER_THREAD)).isEqualTo(1);
    assertThat(b.getLong(Layouts.Config.DEFAULT_TIMEOUT_NS)).isEqualTo(7_000_000_000L);
    assertThat(b.getInt(Layouts.Config.RESTART_NR)).isEqualTo(219); // restart_syscall
    assertThat(b.getInt(Layouts.Config.EXECVE_NR)).isEqualTo(59);
    assertThat(b.getInt(Layouts.Config.EXECVEAT_NR)).isEqualTo(322);
    assertThat(b.get(Layouts.Config.TIMEOUT_POLICY + 219)).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * 104)).isEqualTo(1_000_000_000L);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * (LatencyBuckets.COUNT - 1))).isEqualTo(-1);
    assertThat(b.get(Layouts.Config.SLOW_POLICY + 74)).isEqualTo(Layouts.COUNT_IF_FILE); // fsync
    assertThat(b.get(Layouts.Config.SLOW_POLICY + 257)).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(b.getLong(Layouts.Config.TIMEOUT_NS + 8 * 202)).isEqualTo(3_000_000_000L);
    assertThat(b.get(Layouts.Config.TIMEOUT_POLICY + 202)).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(b.get(Layouts.Config.TIMEOUT_POLICY + 35)).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(b.get(Layouts.Config.FD_ARG)).isEqualTo((byte) 1); // read
  }
}
