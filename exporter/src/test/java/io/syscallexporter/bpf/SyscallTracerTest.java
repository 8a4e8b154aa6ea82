package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.InflightScan;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyscallTracerTest {
  @Test
  void writesTheKnobsWhereTheProgramsReadThem() {
    SyscallPolicy.KernelTables policy = new SyscallPolicy(Duration.ofSeconds(7),
        Map.of("futex", Duration.ofSeconds(3)), Set.of(), Set.of(), Set.of(), false)
        .kernelTables(SyscallTable.forArch("x86_64"));
    ByteBuffer b = ByteBuffer.wrap(SyscallTracer.rodata(
        SyscallTracer.Settings.host(Duration.ofMillis(500), true, true, policy)))
        .order(ByteOrder.nativeOrder());
    assertThat(b.capacity()).isEqualTo(Layouts.Config.SIZE);
    assertThat(b.getLong(Layouts.Config.SLOW_THRESHOLD_NS)).isEqualTo(500_000_000L);
    assertThat(b.getInt(Layouts.Config.PER_PID)).isEqualTo(1);
    assertThat(b.getInt(Layouts.Config.PER_CGROUP)).isEqualTo(1);
    assertThat(b.getInt(Layouts.Config.TARGET_TGID)).isZero();
    assertThat(b.getInt(Layouts.Config.PER_THREAD)).isZero();
    ByteBuffer agent = ByteBuffer.wrap(SyscallTracer.rodata(new SyscallTracer.Settings(
        Duration.ofMillis(500), false, false, 4242, true, policy))).order(ByteOrder.nativeOrder());
    assertThat(agent.getInt(Layouts.Config.TARGET_TGID)).isEqualTo(4242);
    assertThat(agent.getInt(Layouts.Config.PER_THREAD)).isEqualTo(1);
    assertThat(b.getLong(Layouts.Config.DEFAULT_TIMEOUT_NS)).isEqualTo(7_000_000_000L);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * 104)).isEqualTo(1_000_000_000L);
    assertThat(b.getLong(Layouts.Config.BOUNDS_NS + 8 * (LatencyBuckets.COUNT - 1))).isEqualTo(-1);
    assertThat(b.get(Layouts.Config.SLOW_POLICY + 74)).isEqualTo(Layouts.COUNT_IF_FILE); // fsync
    assertThat(b.get(Layouts.Config.SLOW_POLICY + 257)).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(b.getLong(Layouts.Config.TIMEOUT_NS + 8 * 202)).isEqualTo(3_000_000_000L);
    assertThat(b.get(Layouts.Config.TIMEOUT_POLICY + 202)).isEqualTo(Layouts.COUNT_ALWAYS);
    assertThat(b.get(Layouts.Config.TIMEOUT_POLICY + 35)).isEqualTo(Layouts.COUNT_NEVER);
    assertThat(b.get(Layouts.Config.FD_ARG)).isEqualTo((byte) 1); // read
  }

  @Test
  void parsesScanRecordsWithAndWithoutStacks() {
    ByteBuffer b = ByteBuffer.allocate(2 * Layouts.ScanCall.STACK + 16 + Layouts.ScanSummary.SIZE)
        .order(ByteOrder.nativeOrder());
    int second = Layouts.ScanCall.STACK + 16;
    // A read stuck on a file, first report: two frames follow.
    b.putInt(Layouts.ScanCall.TYPE, Layouts.SCAN_CALL).putInt(Layouts.ScanCall.TID, 11)
        .putInt(Layouts.ScanCall.NS_TID, 3).putInt(Layouts.ScanCall.PID, 10).putInt(Layouts.ScanCall.NR, 0)
        .putLong(Layouts.ScanCall.START_NS, 5).putLong(Layouts.ScanCall.ARG0, 3)
        .putInt(Layouts.ScanCall.FD_KIND, Layouts.FD_FILE).putInt(Layouts.ScanCall.STACK_DEPTH, 2)
        .putLong(Layouts.ScanCall.STACK, 0xffffffff81000010L)
        .putLong(Layouts.ScanCall.STACK + 8, 0xffffffff81000020L);
    b.put(Layouts.ScanCall.THREAD, "reader".getBytes()).put(Layouts.ScanCall.PROCESS, "db".getBytes());
    // The same kind of call, reported before: no frames.
    b.putInt(second + Layouts.ScanCall.TYPE, Layouts.SCAN_CALL)
        .putInt(second + Layouts.ScanCall.TID, 12).putInt(second + Layouts.ScanCall.NR, 257);
    b.putInt(2 * Layouts.ScanCall.STACK + 16, Layouts.SCAN_SUMMARY)
        .putLong(2 * Layouts.ScanCall.STACK + 16 + Layouts.ScanSummary.IN_SYSCALL, 42);

    InflightScan scan = SyscallTracer.parseScan(b);
    assertThat(scan.threadsInSyscall()).isEqualTo(42);
    assertThat(scan.stuck()).hasSize(2);
    StuckCall first = scan.stuck().get(0);
    assertThat(first.tid()).isEqualTo(11);
    assertThat(first.nsTid()).isEqualTo(3);
    assertThat(first.pid()).isEqualTo(10);
    assertThat(first.fdKind()).isEqualTo(FdKind.FILE);
    assertThat(first.thread()).isEqualTo("reader");
    assertThat(first.process()).isEqualTo("db");
    assertThat(first.kernelStack()).containsExactly(0xffffffff81000010L, 0xffffffff81000020L);
    assertThat(scan.stuck().get(1).nr()).isEqualTo(257);
    assertThat(scan.stuck().get(1).kernelStack()).isEmpty();
  }

  @Test
  void refusesKernelsOlderThanTheMinimum() {
    assertThatThrownBy(() -> SyscallTracer.requireKernel("5.10.0-28-amd64"))
        .isInstanceOf(BpfException.class).hasMessageContaining("needs Linux 5.11 or later");
    assertThatThrownBy(() -> SyscallTracer.requireKernel("4.19.0"))
        .isInstanceOf(BpfException.class);
    assertThatCode(() -> SyscallTracer.requireKernel("5.11.0")).doesNotThrowAnyException();
    assertThatCode(() -> SyscallTracer.requireKernel("6.18.44-fc")).doesNotThrowAnyException();
    assertThatCode(() -> SyscallTracer.requireKernel("unknown")).doesNotThrowAnyException();
  }

  @Test
  void tellsKernelsOlderThanTheTestedOnes() {
    assertThat(SyscallTracer.olderThan("6.0.19-amd64", SyscallTracer.TESTED_KERNEL)).isTrue();
    assertThat(SyscallTracer.olderThan("5.15.0-91-generic", SyscallTracer.TESTED_KERNEL)).isTrue();
    assertThat(SyscallTracer.olderThan("6.1.0-57-cloud-amd64", SyscallTracer.TESTED_KERNEL))
        .isFalse();
    assertThat(SyscallTracer.olderThan("10.0", SyscallTracer.TESTED_KERNEL)).isFalse();
    assertThat(SyscallTracer.olderThan(null, SyscallTracer.TESTED_KERNEL)).isFalse();
    assertThatCode(() -> SyscallTracer.requireKernel("unparsable")).doesNotThrowAnyException();
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
