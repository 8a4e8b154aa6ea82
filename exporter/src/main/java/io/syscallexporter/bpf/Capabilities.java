package io.syscallexporter.bpf;

import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The process's capabilities: checked up front, so a missing one is named instead of EPERM,
 * and dropped once the programs are attached.
 */
public final class Capabilities {
  static final int CAP_SETPCAP = 8;
  static final int CAP_SYS_ADMIN = 21;
  static final int CAP_SYSLOG = 34;
  static final int CAP_PERFMON = 38;
  static final int CAP_BPF = 39;

  /**
   * What the running exporter needs once attached: CAP_BPF and CAP_PERFMON to run its
   * iterators (the in-flight scan, the file path of a stuck call), CAP_SYSLOG to read kernel
   * symbols for stacks. Everything else goes.
   */
  static final Map<Integer, String> KEPT = new LinkedHashMap<>();

  static {
    KEPT.put(CAP_BPF, "CAP_BPF");
    KEPT.put(CAP_PERFMON, "CAP_PERFMON");
    KEPT.put(CAP_SYSLOG, "CAP_SYSLOG");
  }

  private static final int PR_CAPBSET_DROP = 24;
  private static final int PR_SET_NO_NEW_PRIVS = 38;
  private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

  private Capabilities() {}

  /**
   * Drops every capability but {@link #KEPT} from this thread's effective, permitted,
   * inheritable, ambient and (with CAP_SETPCAP) bounding sets, and sets no_new_privs; threads
   * started from here on inherit that. Linux keeps capabilities per thread: call it before
   * starting the threads that serve requests and read the kernel. Returns the names kept.
   */
  public static List<String> dropAllButNeeded() {
    long effective = parseCapEff(readStatus());
    long keep = 0;
    List<String> kept = new ArrayList<>();
    for (Map.Entry<Integer, String> cap : KEPT.entrySet()) {
      if (has(effective, cap.getKey())) {
        keep |= 1L << cap.getKey();
        kept.add(cap.getValue());
      }
    }
    LibC libc = BpfObject.LIBC;
    if (has(effective, CAP_SETPCAP)) {
      for (int cap = 0; cap <= lastCap(); cap++) {
        if ((keep & (1L << cap)) == 0) {
          libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
        }
      }
    }
    if (libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      throw new BpfException("cannot set no_new_privs", 0);
    }
    Pointer header = Memory.allocateDirect(BpfObject.RUNTIME, Layouts.CapUser.HEADER_SIZE, true);
    header.putInt(0, LINUX_CAPABILITY_VERSION_3); // pid 0: this thread
    // Two {effective, permitted, inheritable}: capabilities 0-31, then 32-63.
    int size = Layouts.CapUser.DATA_SIZE;
    Pointer data = Memory.allocateDirect(BpfObject.RUNTIME, 2 * size, true);
    data.putInt(Layouts.CapUser.DATA_EFFECTIVE, (int) keep);
    data.putInt(Layouts.CapUser.DATA_PERMITTED, (int) keep);
    data.putInt(size + Layouts.CapUser.DATA_EFFECTIVE, (int) (keep >>> 32));
    data.putInt(size + Layouts.CapUser.DATA_PERMITTED, (int) (keep >>> 32));
    long capset = SyscallTable.forThisMachine().number("capset").orElseThrow();
    if (libc.syscall(capset, header.address(), data.address(), 0) != 0) {
      throw new BpfException("cannot drop capabilities (capset failed)", 0);
    }
    return kept;
  }

  private static int lastCap() {
    try {
      return Integer.parseInt(Files.readString(Path.of("/proc/sys/kernel/cap_last_cap")).trim());
    } catch (IOException | NumberFormatException e) {
      return 63;
    }
  }

  private static String readStatus() {
    try {
      return Files.readString(Path.of("/proc/self/status"));
    } catch (IOException e) {
      throw new BpfException("cannot read /proc/self/status: " + e.getMessage(), 0);
    }
  }

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
