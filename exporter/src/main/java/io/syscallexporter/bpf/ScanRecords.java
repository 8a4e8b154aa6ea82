package io.syscallexporter.bpf;

import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.InflightScan;
import io.syscallexporter.collect.StuckCall;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Decodes what scan_inflight writes: a struct scan_call per stuck call, then a scan_summary. */
final class ScanRecords {
  private ScanRecords() {}

  static InflightScan parse(ByteBuffer b) {
    List<StuckCall> stuck = new ArrayList<>();
    long inSyscall = 0;
    boolean seeding = true;
    int at = 0;
    while (at + 4 <= b.limit()) {
      int type = b.getInt(at);
      if (type == Layouts.SCAN_SUMMARY) {
        inSyscall = b.getLong(at + Layouts.ScanSummary.IN_SYSCALL);
        seeding = (b.getInt(at + Layouts.ScanSummary.FLAGS) & Layouts.SUMMARY_NO_SEEDING) == 0;
        at += Layouts.ScanSummary.SIZE;
        continue;
      }
      if (type != Layouts.SCAN_CALL) {
        throw new BpfException("unexpected record type " + type + " from the in-flight scan", 0);
      }
      ByteBuffer c = b.slice(at, b.limit() - at).order(ByteOrder.nativeOrder());
      int depth = Math.min(c.getInt(Layouts.ScanCall.STACK_DEPTH), Layouts.STACK_DEPTH);
      long[] stack = new long[depth];
      for (int i = 0; i < depth; i++) {
        stack[i] = c.getLong(Layouts.ScanCall.STACK + 8 * i);
      }
      stuck.add(new StuckCall(c.getInt(Layouts.ScanCall.TID), c.getInt(Layouts.ScanCall.NS_TID),
          c.getInt(Layouts.ScanCall.PID), c.getInt(Layouts.ScanCall.NR),
          c.getLong(Layouts.ScanCall.START_NS),
          c.getLong(Layouts.ScanCall.ARG0), FdKind.of(c.getInt(Layouts.ScanCall.FD_KIND)),
          Comm.read(c, Layouts.ScanCall.THREAD), Comm.read(c, Layouts.ScanCall.PROCESS),
          c.getLong(Layouts.ScanCall.CGROUP), c.getInt(Layouts.ScanCall.POOL), stack,
          (c.getInt(Layouts.ScanCall.FLAGS) & Layouts.CALL_BEGAN_BEFORE) != 0,
          c.getInt(Layouts.ScanCall.RESUMES) - 1,
          (c.getInt(Layouts.ScanCall.FLAGS) & Layouts.CALL_HAS_CONTEXT) != 0));
      at += Layouts.ScanCall.STACK + 8 * depth;
    }
    return new InflightScan(stuck, inSyscall, seeding);
  }

}
