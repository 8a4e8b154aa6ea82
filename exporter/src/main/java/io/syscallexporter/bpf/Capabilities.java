package io.syscallexporter.bpf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks the effective capabilities up front, so a missing one is named instead of EPERM. */
final class Capabilities {
  static final int CAP_SYS_ADMIN = 21;
  static final int CAP_PERFMON = 38;
  static final int CAP_BPF = 39;

  private Capabilities() {}

  static void requireBpf() {
    long effective;
    try {
      effective = parseCapEff(Files.readString(Path.of("/proc/self/status")));
    } catch (IOException | RuntimeException e) {
      return; // cannot tell: let the kernel decide
    }
    if (!hasBpf(effective)) {
      throw new BpfException("missing privileges to load BPF programs: run as root, or grant"
          + " CAP_BPF and CAP_PERFMON (setcap cap_bpf,cap_perfmon+ep on the java binary, or"
          + " AmbientCapabilities=CAP_BPF CAP_PERFMON in a systemd unit)", 1);
    }
  }

  static boolean hasBpf(long effective) {
    boolean bpfAndPerfmon = has(effective, CAP_BPF) && has(effective, CAP_PERFMON);
    return bpfAndPerfmon || has(effective, CAP_SYS_ADMIN);
  }

  static long parseCapEff(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("CapEff:")) {
        return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
      }
    }
    throw new IllegalArgumentException("no CapEff line");
  }

  private static boolean has(long effective, int cap) {
    return (effective & (1L << cap)) != 0;
  }
}
