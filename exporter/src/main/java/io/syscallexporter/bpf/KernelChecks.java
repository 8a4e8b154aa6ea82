package io.syscallexporter.bpf;

import io.syscallexporter.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What loading needs from the kernel, checked before anything is loaded. */
public final class KernelChecks {
  private static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");
  private static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");
  /** Task-local storage in tracing programs and bpf_get_current_task_btf arrived in 5.11. */
  static final int[] MIN_KERNEL = {5, 11};
  /** The oldest kernel the tests boot (scripts/kernel-matrix.sh); older ones get a warning. */
  static final int[] TESTED_KERNEL = {6, 1};
  /** Sleepable task iterators and bpf_copy_from_user_task arrived in 5.18. */
  static final int[] COPY_FROM_USER_TASK = {5, 18};
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

  private KernelChecks() {}

  /**
   * The quick checks of what loading needs (kernel version, BTF, capabilities), each failing
   * with a BpfException that says what to do.
   */
  public static void preflight() {
    String release = readOsRelease();
    requireKernel(release);
    if (olderThan(release, TESTED_KERNEL)) {
      Log.warn("this kernel is older than any the exporter is tested on; if it refuses the"
          + " programs, the verifier's message follows", "kernel", release, "tested_from",
          TESTED_KERNEL[0] + "." + TESTED_KERNEL[1]);
    }
    if (!Files.isReadable(VMLINUX_BTF)) {
      throw new BpfException("this kernel has no BTF (" + VMLINUX_BTF + " is missing): run a"
          + " kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2020 are)", 0);
    }
    Capabilities.requireBpf();
  }

  /**
   * Whether this kernel has what stuck_context needs (sleepable iterators and
   * bpf_copy_from_user_task, Linux 5.18); true when the release cannot be read.
   */
  static boolean readsOtherProcessesMemory() {
    return !olderThan(readOsRelease(), COPY_FROM_USER_TASK);
  }

  private static String readOsRelease() {
    try {
      return Files.readString(OSRELEASE).trim();
    } catch (IOException e) {
      return null; // cannot tell: let the kernel decide
    }
  }

  /** Whether a release ("6.1.0-57-amd64") is older than {major, minor}; false if unknown. */
  static boolean olderThan(String release, int[] version) {
    Matcher m = release == null ? null : RELEASE.matcher(release);
    if (m == null || !m.find()) {
      return false;
    }
    int major = Integer.parseInt(m.group(1));
    int minor = Integer.parseInt(m.group(2));
    return major < version[0] || (major == version[0] && minor < version[1]);
  }

  /** Fails with a clear message on a kernel older than {@link #MIN_KERNEL}. */
  static void requireKernel(String release) {
    if (olderThan(release, MIN_KERNEL)) {
      throw new BpfException("Linux " + release + " is too old: syscall_exporter needs Linux "
          + MIN_KERNEL[0] + "." + MIN_KERNEL[1] + " or later (task-local storage for tracing"
          + " programs, bpf_get_current_task_btf)", 0);
    }
  }

}
