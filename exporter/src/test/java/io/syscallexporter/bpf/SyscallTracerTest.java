package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.LatencyBuckets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SyscallTracerTest {
  @Test
  void readsPossibleCpuRanges() {
    assertThat(SyscallTracer.parseCpuRange("0")).isEqualTo(1);
    assertThat(SyscallTracer.parseCpuRange("0-63")).isEqualTo(64);
    assertThat(SyscallTracer.parseCpuRange("0-3,8-11")).isEqualTo(12);
  }

  @Test
  void writesTheKnobsWhereTheProgramsReadThem() {
    byte[] policy = new byte[Layouts.POLICY_SLOTS];
    policy[35] = Layouts.SLOW_NEVER;
    policy[74] = Layouts.SLOW_ALWAYS;
    policy[0] = Layouts.SLOW_IF_FILE;
    ByteBuffer b = ByteBuffer.wrap(SyscallTracer.rodata(
        new SyscallTracer.Settings(Duration.ofMillis(500), true, policy)))
        .order(ByteOrder.nativeOrder());
    assertThat(b.capacity()).isEqualTo(Layouts.Config.SIZE);
    assertThat(b.getLong(Layouts.Config.SLOW_THRESHOLD_NS)).isEqualTo(500_000_000L);
    assertThat(b.getInt(Layouts.Config.PER_PID)).isEqualTo(1);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * 104)).isEqualTo(1_000_000_000L);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * (LatencyBuckets.COUNT - 1))).isEqualTo(-1);
    assertThat(b.get(Layouts.Config.SLOW_POLICY + 74)).isEqualTo(Layouts.SLOW_ALWAYS);
    assertThat(b.get(Layouts.Config.SLOW_POLICY)).isEqualTo(Layouts.SLOW_IF_FILE);
  }

  @Test
  void decodesCommNames() {
    ByteBuffer b = ByteBuffer.allocate(40);
    b.put(8, "backup".getBytes());
    assertThat(SyscallTracer.comm(b, 8)).isEqualTo("backup");
    b.put(20, "sixteen-bytes-xy".getBytes()); // no NUL: the comm fills its 16 bytes
    b.put(36, (byte) 'z');
    assertThat(SyscallTracer.comm(b, 20)).isEqualTo("sixteen-bytes-xy");
  }
}
