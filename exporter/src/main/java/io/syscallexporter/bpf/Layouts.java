package io.syscallexporter.bpf;

import io.syscallexporter.collect.SeriesKey;

/**
 * Sizes and offsets of the structs in bpf/syscall_exporter.h, as the kernel side lays them out,
 * and of the libbpf and kernel UAPI structs the exporter fills through JNR (which knows no C
 * layout). LayoutsTest compiles the headers and fails when anything here disagrees with them.
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
  public static final int CALL_BEGAN_BEFORE = 1;
  public static final int CALL_HAS_CONTEXT = 2;
  public static final int SUMMARY_NO_SEEDING = 1;
  public static final int STACK_DEPTH = 32;
  public static final int PATH_LEN = 4096;

  public static final int MARK_UNKNOWN = 0;
  public static final int MARK_PLAIN = 1;
  public static final int MARK_JOINED = 2;
  public static final int MAX_JOINED_JVMS = 256;
  public static final int POOL_NONE = SeriesKey.NOT_BY_POOL;
  public static final int POOL_BY_COMM = SeriesKey.BY_COMM;
  public static final int POOL_FIRST_ID = SeriesKey.FIRST_POOL_ID;
  public static final int POOL_VIRTUAL = SeriesKey.VIRTUAL;
  /** In a carrier's record: the mounted virtual thread's pool index, one byte. */
  public static final int CARRIER_MOUNTED = 26;
  /** Set in a registration's cookie: the record is a carrier's. */
  public static final long CARRIER_REGISTRATION = 1L << 62;
  public static final int MOUNTED_CARRIER = 1 << 31;
  public static final int MAX_NAMED_THREADS = 16384;
  public static final int HIST_STRIPES = 2;

  public static final int ERR_INFLIGHT_UPDATE = 0;
  public static final int ERR_HIST_UPDATE = 1;
  public static final int ERR_EVENT_LOST = 2;
  public static final int ERR_CONTEXT_FAULT = 3;
  public static final int ERR_COUNT = 4;

  public static final int CONTEXT_NONE = 0;
  public static final int CONTEXT_READ = 1;
  public static final int CONTEXT_FAULT = 2;
  public static final int TRACE_ID_LEN = 16;
  public static final int SPAN_ID_LEN = 8;

  /** struct exporter_config, the whole of .rodata. */
  public static final class Config {
    public static final int SLOW_THRESHOLD_NS = 0;
    public static final int PER_PID = 8;
    public static final int PER_CGROUP = 12;
    public static final int TARGET_TGID = 16;
    public static final int PER_THREAD = 20;
    public static final int DEFAULT_TIMEOUT_NS = 24;
    public static final int RESTART_NR = 32;
    public static final int EXECVE_NR = 36;
    public static final int EXECVEAT_NR = 40;
    public static final int PWRITE_NR = 44;
    public static final int BOUNDS_NS = 48;
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
    public static final int MARK = 12;
    public static final int ARG0 = 16;
    public static final int REPORTED_NS = 24;
    public static final int POOL = 32;
    public static final int MOUNTED = 44;
    public static final int CONTEXT = 288;
    public static final int SIZE = 296; // with the slot cache and more only the programs read

    private Inflight() {}
  }

  /** struct drain_state, the programs' global in .data.drain. */
  public static final class DrainState {
    public static final int GEN = 0;
    public static final int INSERTS = 8;
    public static final int SIZE = 16;

    private DrainState() {}
  }

  /** struct hist_key. */
  public static final class HistKey {
    public static final int PROCESS = 0;
    public static final int PID = 16;
    public static final int NR = 20;
    public static final int GEN = 24;
    public static final int POOL = 28; // u16
    public static final int STRIPE = 30; // u16
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
    public static final int NS_TID = 20;
    public static final int THREAD = 24;
    public static final int PROCESS = 40;
    public static final int KEY = 56;
    public static final int CONTEXT_STATE = 96;
    public static final int CONTEXT = 100;
    public static final int SIZE = 128;

    private SlowEvent() {}
  }

  /** struct context_query: which stuck call's trace context stuck_context reads. */
  public static final class ContextQuery {
    public static final int TGID = 0;
    public static final int TID = 4;
    public static final int START_NS = 8;
    public static final int SIZE = 16;

    private ContextQuery() {}
  }

  /** struct trace_context: a thread's OpenTelemetry thread context record (OTEP 4947). */
  public static final class TraceContext {
    public static final int TRACE_ID = 0;
    public static final int SPAN_ID = 16;
    public static final int VALID = 24;
    public static final int TRACE_FLAGS = 25;
    public static final int SIZE = 26;

    private TraceContext() {}
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
    public static final int NS_TID = 72;
    public static final int POOL = 76;
    public static final int FLAGS = 80;
    public static final int RESUMES = 84;
    public static final int CGROUP = 88;
    public static final int STACK = 96;
    public static final int SIZE = STACK + 8 * Layouts.STACK_DEPTH;

    private ScanCall() {}
  }

  /** struct scan_summary: the last record of a scan. */
  public static final class ScanSummary {
    public static final int TYPE = 0;
    public static final int FLAGS = 4;
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

  /** struct mark_query: which process mark_jvm marks, and how. */
  public static final class MarkQuery {
    public static final int TGID = 0;
    public static final int MARK = 4;
    public static final int SIZE = 8;

    private MarkQuery() {}
  }

  /** struct pool_query: which process name_threads names the threads of. */
  public static final class PoolQuery {
    public static final int TGID = 0;
    public static final int SIZE = 4;

    private PoolQuery() {}
  }

  /** struct path_query: which fd of which process fd_path_of names. */
  public static final class PathQuery {
    public static final int FD = 0;
    public static final int TGID = 4;
    public static final int SIZE = 8;

    private PathQuery() {}
  }

  /**
   * libbpf's struct bpf_object_open_opts, as of libbpf 1.1 (sizeof on LP64: JNR would omit the
   * tail padding, and libbpf refuses a size it does not know with non-zero bytes past it).
   */
  static final class OpenOpts {
    static final int SIZE = 80;
    static final int OBJECT_NAME = 8;

    private OpenOpts() {}
  }

  /** libbpf's struct bpf_iter_attach_opts. */
  static final class IterAttachOpts {
    static final int SIZE = 24;
    static final int LINK_INFO = 8;
    static final int LINK_INFO_LEN = 16;

    private IterAttachOpts() {}
  }

  /**
   * The UAPI union bpf_iter_link_info as of Linux 6.1, which added its task member. Older kernels
   * know 4 bytes of it and refuse a link info with non-zero bytes past them (E2BIG).
   */
  static final class IterLinkInfo {
    static final int SIZE = 16;
    static final int TASK_PID = 4;

    private IterLinkInfo() {}
  }

  /** The UAPI struct bpf_prog_info up to run_cnt (it only ever grows at its end). */
  static final class ProgInfo {
    static final int RUN_TIME_NS = 192;
    static final int RUN_CNT = 200;
    static final int SIZE = RUN_CNT + 8;

    private ProgInfo() {}
  }

  /** The UAPI capability header and one of the two (capabilities 0-31, 32-63) data structs. */
  static final class CapUser {
    static final int HEADER_SIZE = 8;
    static final int DATA_EFFECTIVE = 0;
    static final int DATA_PERMITTED = 4;
    static final int DATA_SIZE = 12;

    private CapUser() {}
  }
}
