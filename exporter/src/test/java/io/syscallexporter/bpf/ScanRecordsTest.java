package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.InflightScan;
import io.syscallexporter.collect.StuckCall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ScanRecordsTest {
  @Test
  void parsesScanRecordsWithAndWithoutStacks() {
    ByteBuffer b = ByteBuffer.allocate(2 * Layouts.ScanCall.STACK + 16 + Layouts.ScanSummary.SIZE)
        .order(ByteOrder.nativeOrder());
    int second = Layouts.ScanCall.STACK + 16;
    // A read stuck on a file, first report: two frames follow.
    b.putInt(Layouts.ScanCall.TYPE, Layouts.SCAN_CALL).putInt(Layouts.ScanCall.TID, 11)
        .putInt(Layouts.ScanCall.NS_TID, 3).putInt(Layouts.ScanCall.PID, 10)
        .putInt(Layouts.ScanCall.NR, 0)
        .putLong(Layouts.ScanCall.START_NS, 5).putLong(Layouts.ScanCall.ARG0, 3)
        .putInt(Layouts.ScanCall.FD_KIND, Layouts.FD_FILE).putInt(Layouts.ScanCall.STACK_DEPTH, 2)
        .putLong(Layouts.ScanCall.STACK, 0xffffffff81000010L)
        .putLong(Layouts.ScanCall.STACK + 8, 0xffffffff81000020L);
    b.put(Layouts.ScanCall.THREAD, "reader".getBytes())
        .put(Layouts.ScanCall.PROCESS, "db".getBytes());
    // The same kind of call, reported before: no frames.
    // A restart_syscall resuming a nanosleep (35, sent plus one) that began before the scan's
    // programs were attached.
    b.putInt(second + Layouts.ScanCall.TYPE, Layouts.SCAN_CALL)
        .putInt(second + Layouts.ScanCall.TID, 12).putInt(second + Layouts.ScanCall.NR, 219)
        .putInt(second + Layouts.ScanCall.FLAGS, Layouts.CALL_BEGAN_BEFORE)
        .putInt(second + Layouts.ScanCall.RESUMES, 36);
    b.putInt(2 * Layouts.ScanCall.STACK + 16, Layouts.SCAN_SUMMARY)
        .putInt(2 * Layouts.ScanCall.STACK + 16 + Layouts.ScanSummary.FLAGS,
            Layouts.SUMMARY_NO_SEEDING)
        .putLong(2 * Layouts.ScanCall.STACK + 16 + Layouts.ScanSummary.IN_SYSCALL, 42);

    InflightScan scan = ScanRecords.parse(b);
    assertThat(scan.threadsInSyscall()).isEqualTo(42);
    assertThat(scan.seeding()).isFalse();
    assertThat(scan.stuck()).hasSize(2);
    StuckCall first = scan.stuck().get(0);
    assertThat(first.tid()).isEqualTo(11);
    assertThat(first.nsTid()).isEqualTo(3);
    assertThat(first.pid()).isEqualTo(10);
    assertThat(first.fdKind()).isEqualTo(FdKind.FILE);
    assertThat(first.thread()).isEqualTo("reader");
    assertThat(first.process()).isEqualTo("db");
    assertThat(first.kernelStack()).containsExactly(0xffffffff81000010L, 0xffffffff81000020L);
    assertThat(first.beganBefore()).isFalse();
    assertThat(first.resumes()).isEqualTo(-1);
    StuckCall restart = scan.stuck().get(1);
    assertThat(restart.nr()).isEqualTo(219);
    assertThat(restart.kernelStack()).isEmpty();
    assertThat(restart.beganBefore()).isTrue();
    assertThat(restart.resumes()).isEqualTo(35);
  }
}
