package io.syscallexporter.bpf;

/**
 * Sizes and offsets of the structs in bpf/syscall_exporter.h, as the kernel side lays them out.
 * LayoutsTest compiles the header and fails when anything here disagrees with it.
 */
public final class Layouts {
  private Layouts() {}

  public static final int COMM_LEN = 16;

  public static final int NATIVE_SCHEMA = 2;
  public static final int NATIVE_MIN_INDEX = -104;
  public static final int NATIVE_MAX_INDEX = 64;
  public static final int HIST_NATIVE_BUCKETS = NATIVE_MAX_INDEX - NATIVE_MIN_INDEX;
  public static final int HIST_BUCKETS = HIST_NATIVE_BUCKETS + 2;
  public static final int BOUNDS_SLOTS = 256;
  public static final int POLICY_SLOTS = 512;

  public static final byte COUNT_NEVER = 0;
  public static final byte COUNT_ALWAYS = 1;
  public static final byte COUNT_IF_FILE = 2;

  public static final int FD_NONE = 0;
  public static final int FD_FILE = 1;
  public static final int FD_BLOCK = 2;
  public static final int FD_OTHER = 3;

  public static final int SCAN_CALL = 1;
  public static final int SCAN_SUMMARY = 2;
  public static final int STACK_DEPTH = 32;
  public static final int PATH_LEN = 4096;

  public static final int DRAIN_GEN = 0;
  public static final int DRAIN_INSERTS = 1;
  public static final int DRAIN_SLOTS = 2;

  public static final int ERR_INFLIGHT_UPDATE = 0;
  public static final int ERR_HIST_UPDATE = 1;
  public static final int ERR_EVENT_LOST = 2;
  public static final int ERR_COUNT = 3;

  /** struct exporter_config, the whole of .rodata. */
  public static final class Config {
    public static final int SLOW_THRESHOLD_NS = 0;
    public static final int PER_PID = 8;
    public static final int PER_CGROUP = 12;
    public static final int TARGET_TGID = 16;
    public static final int PER_THREAD = 20;
    public static final int DEFAULT_TIMEOUT_NS = 24;
    public static final int BOUNDS_NS = 32;
    public static final int TIMEOUT_NS = BOUNDS_NS + 8 * BOUNDS_SLOTS;
    public static final int SLOW_POLICY = TIMEOUT_NS + 8 * POLICY_SLOTS;
    public static final int TIMEOUT_POLICY = SLOW_POLICY + POLICY_SLOTS;
    public static final int FD_ARG = TIMEOUT_POLICY + POLICY_SLOTS;
    public static final int SIZE = FD_ARG + POLICY_SLOTS;

    private Config() {}
  }

  /** struct inflight. */
  public static final class Inflight {
    public static final int START_NS = 0;
    public static final int NR = 8;
    public static final int ARG0 = 16;
    public static final int REPORTED_NS = 24;
    public static final int SIZE = 32;

    private Inflight() {}
  }

  /** struct hist_key. */
  public static final class HistKey {
    public static final int PROCESS = 0;
    public static final int PID = 16;
    public static final int NR = 20;
    public static final int GEN = 24;
    public static final int CGROUP = 32;
    public static final int SIZE = 40;

    private HistKey() {}
  }

  /** struct hist_value. */
  public static final class HistValue {
    public static final int SUM_NS = 0;
    public static final int SLOW = 8;
    public static final int BUCKETS = 16;
    public static final int SIZE = BUCKETS + 8 * HIST_BUCKETS;

    private HistValue() {}
  }

  /** struct slow_event. */
  public static final class SlowEvent {
    public static final int LATENCY_NS = 0;
    public static final int TID = 8;
    public static final int PID = 12;
    public static final int NR = 16;
    public static final int THREAD = 24;
    public static final int PROCESS = 40;
    public static final int SIZE = 56;

    private SlowEvent() {}
  }

  /** struct scan_call: a stuck call from the in-flight scan, its stack after it. */
  public static final class ScanCall {
    public static final int TYPE = 0;
    public static final int TID = 4;
    public static final int PID = 8;
    public static final int NR = 12;
    public static final int START_NS = 16;
    public static final int ARG0 = 24;
    public static final int FD_KIND = 32;
    public static final int STACK_DEPTH = 36;
    public static final int THREAD = 40;
    public static final int PROCESS = 56;
    public static final int CGROUP = 72;
    public static final int STACK = 80;
    public static final int SIZE = STACK + 8 * Layouts.STACK_DEPTH;

    private ScanCall() {}
  }

  /** struct scan_summary: the last record of a scan. */
  public static final class ScanSummary {
    public static final int TYPE = 0;
    public static final int IN_SYSCALL = 8;
    public static final int SIZE = 16;

    private ScanSummary() {}
  }

  /** struct fd_path, written up to the path's NUL. */
  public static final class FdPath {
    public static final int TID = 0;
    public static final int FD = 4;
    public static final int PATH = 8;

    private FdPath() {}
  }
}
