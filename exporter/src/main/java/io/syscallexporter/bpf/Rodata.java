package io.syscallexporter.bpf;

import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.policy.SyscallPolicy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The programs' load-time knobs, struct exporter_config, encoded as .rodata. */
final class Rodata {
  private Rodata() {}

  static byte[] of(SyscallTracer.Settings settings) {
    ByteBuffer b = ByteBuffer.allocate(Layouts.Config.SIZE).order(ByteOrder.nativeOrder());
    SyscallPolicy.KernelTables policy = settings.policy();
    b.putLong(Layouts.Config.SLOW_THRESHOLD_NS, settings.slowThreshold().toNanos());
    b.putInt(Layouts.Config.PER_PID, settings.perPid() ? 1 : 0);
    b.putInt(Layouts.Config.PER_CGROUP, settings.perCgroup() ? 1 : 0);
    b.putInt(Layouts.Config.TARGET_TGID, settings.targetTgid());
    b.putInt(Layouts.Config.PER_THREAD, settings.perThread() ? 1 : 0);
    b.putLong(Layouts.Config.DEFAULT_TIMEOUT_NS, policy.defaultTimeoutNanos());
    b.putInt(Layouts.Config.RESTART_NR, policy.restartNr()); // -1: ~0, no syscall's number
    b.putInt(Layouts.Config.EXECVE_NR, policy.execveNr());
    b.putInt(Layouts.Config.EXECVEAT_NR, policy.execveatNr());
    b.putInt(Layouts.Config.PWRITE_NR, policy.pwriteNr());
    long[] bounds = LatencyBuckets.kernelBoundTable();
    for (int k = 0; k < bounds.length; k++) {
      b.putLong(Layouts.Config.BOUNDS_NS + 8 * k, bounds[k]);
    }
    for (int nr = 0; nr < Layouts.POLICY_SLOTS; nr++) {
      b.putLong(Layouts.Config.TIMEOUT_NS + 8 * nr, policy.timeoutNanos()[nr]);
    }
    b.put(Layouts.Config.SLOW_POLICY, policy.slow(), 0, Layouts.POLICY_SLOTS);
    b.put(Layouts.Config.TIMEOUT_POLICY, policy.timeout(), 0, Layouts.POLICY_SLOTS);
    b.put(Layouts.Config.FD_ARG, policy.fdArg(), 0, Layouts.POLICY_SLOTS);
    return b.array();
  }

}
