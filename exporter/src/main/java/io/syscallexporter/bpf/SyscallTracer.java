package io.syscallexporter.bpf;

import io.syscallexporter.Log;
import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.InflightScan;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * bpf/syscall_exporter.bpf.c, loaded and attached: the real {@link KernelSource}. Closing it
 * detaches every program.
 */
public final class SyscallTracer implements KernelSource, AutoCloseable {
  /** One CO-RE object per architecture, named as SyscallTable names the architecture. */
  static final String OBJECT_RESOURCE = "/bpf/syscall_exporter.%s.bpf.o";
  /** The programs attached to tracepoints; the iterators run on demand. */
  static final List<String> PROGRAMS = List.of("sys_enter", "sys_exit", "thread_exit");
  private static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");
  private static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");
  /** Task-local storage in tracing programs and bpf_get_current_task_btf arrived in 5.11. */
  static final int[] MIN_KERNEL = {5, 11};
  /** The oldest kernel the tests boot (scripts/kernel-matrix.sh); older ones get a warning. */
  static final int[] TESTED_KERNEL = {6, 1};
  /**
   * The hist map of one JVM (agent mode): a few hundred (thread, syscall) label sets within a
   * drain period, not a host's; 2.8 MiB of kernel memory instead of 14 per agent.
   */
  static final int AGENT_HIST_ENTRIES = 2048;
  /** The initial pid namespace, as /proc/self/ns/pid names it (PROC_PID_INIT_INO). */
  private static final String INITIAL_PID_NAMESPACE = "pid:[4026531836]";
  private static final Pattern RELEASE = Pattern.compile("^(\\d+)\\.(\\d+)");

  private final BpfObject object;
  /** The process the programs measure (agent mode), in the initial pid namespace; 0: all. */
  private final int targetTgid;
  private final boolean initialPidNamespace;
  private final BpfMap hist;
  private final BpfMap errors;
  private final BpfMap pathQuery;
  private final BpfMap drain;
  /** The generation the programs write histograms under (DRAIN_GEN). */
  private int generation;
  private final BpfIterator scan;
  /** Held from writing path_query until fd_path_of has read it. */
  private final Object pathLock = new Object();
  private final int possibleCpus;
  /** Entries this side deleted from hist; the programs count those they create. */
  private final AtomicLong histDeleted = new AtomicLong();
  private volatile long threadsInSyscall;
  private volatile RingBufferPoller slowEvents;

  /**
   * Load-time settings of the BPF programs. {@code targetTgid} 0: every process; otherwise
   * (agent mode) only that one. {@code perThread}: histograms by thread pool, not process.
   */
  public record Settings(Duration slowThreshold, boolean perPid, boolean perCgroup,
      int targetTgid, boolean perThread, SyscallPolicy.KernelTables policy) {

    /** The whole host, histograms by process. */
    public static Settings host(Duration slowThreshold, boolean perPid, boolean perCgroup,
        SyscallPolicy.KernelTables policy) {
      return new Settings(slowThreshold, perPid, perCgroup, 0, false, policy);
    }
  }

  private SyscallTracer(BpfObject object, int targetTgid) {
    this.object = object;
    this.targetTgid = targetTgid;
    this.initialPidNamespace = inInitialPidNamespace();
    this.possibleCpus = BpfObject.possibleCpus();
    this.hist = object.map("hist", Layouts.HistKey.SIZE, Layouts.HistValue.SIZE);
    this.errors = object.perCpuMap("errors", 4, 8);
    this.pathQuery = object.map("path_query", 4, Layouts.PathQuery.SIZE);
    this.drain = object.map("drain", 4, 8);
    // Agent mode scans the JVM's threads only, not the host's. Where the kernel cannot limit
    // the iterator, the result is the same: only the JVM's threads have task storage.
    this.scan = object.attachIterator("scan_inflight", readerPid(targetTgid));
  }

  /** Loads and attaches the programs, or throws a BpfException that says what to do. */
  public static SyscallTracer start(Settings settings) {
    preflight();
    BpfObject object = BpfObject.open("syscall_exporter", readObject());
    try {
      object.setRodata(rodata(settings));
      if (settings.targetTgid() != 0) {
        object.setMaxEntries("hist", AGENT_HIST_ENTRIES);
      }
      object.skip("whoami"); // for kernelTgid() only
      object.load();
      SyscallTracer tracer = new SyscallTracer(object, settings.targetTgid());
      PROGRAMS.forEach(object::attach);
      return tracer;
    } catch (RuntimeException e) {
      object.close();
      throw e;
    }
  }

  /**
   * This process's id as the programs see it: the initial pid namespace's. In a pid namespace of
   * its own (a container), {@link ProcessHandle#pid} is another number, so the kernel is asked,
   * through a one-off iterator that reports who reads it.
   */
  public static int kernelTgid() {
    if (inInitialPidNamespace()) {
      return (int) ProcessHandle.current().pid();
    }
    try (BpfObject probe = BpfObject.open("syscall_exporter", readObject())) {
      probe.loadOnly("whoami");
      probe.setMaxEntries("hist", 1);
      probe.load();
      try (BpfIterator whoami = probe.attachIterator("whoami", 0)) {
        ByteBuffer answer = whoami.read();
        if (answer.remaining() < 4) {
          throw new BpfException("cannot learn this process's id in the initial pid namespace",
              0);
        }
        return answer.getInt(0);
      }
    }
  }

  private static boolean inInitialPidNamespace() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString()
          .equals(INITIAL_PID_NAMESPACE);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * A process's pid as this process's pid namespace knows it, from its pid in the initial one,
   * or 0 when this process cannot tell (iterators then run unfiltered, the programs filter).
   */
  private int readerPid(int kernelPid) {
    if (kernelPid == 0 || initialPidNamespace) {
      return kernelPid;
    }
    return kernelPid == targetTgid ? (int) ProcessHandle.current().pid() : 0;
  }

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

  static byte[] rodata(Settings settings) {
    ByteBuffer b = ByteBuffer.allocate(Layouts.Config.SIZE).order(ByteOrder.nativeOrder());
    SyscallPolicy.KernelTables policy = settings.policy();
    b.putLong(Layouts.Config.SLOW_THRESHOLD_NS, settings.slowThreshold().toNanos());
    b.putInt(Layouts.Config.PER_PID, settings.perPid() ? 1 : 0);
    b.putInt(Layouts.Config.PER_CGROUP, settings.perCgroup() ? 1 : 0);
    b.putInt(Layouts.Config.TARGET_TGID, settings.targetTgid());
    b.putInt(Layouts.Config.PER_THREAD, settings.perThread() ? 1 : 0);
    b.putLong(Layouts.Config.DEFAULT_TIMEOUT_NS, policy.defaultTimeoutNanos());
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

  private static byte[] readObject() {
    String resource = String.format(OBJECT_RESOURCE, SyscallTable.forThisMachine().arch());
    try (InputStream in = SyscallTracer.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new BpfException(resource + " is missing from the jar: rebuild with mvn package"
            + " (it needs clang)", 0);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized int switchGeneration() {
    int old = generation;
    generation = 1 - old;
    drain.update(u32(Layouts.DRAIN_GEN), ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
        .putLong(0, generation).array());
    BpfObject.awaitRunningPrograms();
    return old;
  }

  @Override
  public Histograms readHistograms(int drained) {
    List<HistogramEntry> taken = new ArrayList<>();
    List<HistogramEntry> live = new ArrayList<>();
    ByteArrayOutputStream remove = new ByteArrayOutputStream();
    hist.forEach((key, value) -> {
      long[] buckets = new long[LatencyBuckets.COUNT];
      for (int k = 0; k < buckets.length; k++) {
        buckets[k] = value.getLong(Layouts.HistValue.BUCKETS + 8 * k);
      }
      HistogramEntry e = new HistogramEntry(new SeriesKey(comm(key, Layouts.HistKey.PROCESS),
          key.getInt(Layouts.HistKey.PID), key.getInt(Layouts.HistKey.NR),
          key.getLong(Layouts.HistKey.CGROUP)),
          value.getLong(Layouts.HistValue.SUM_NS), value.getLong(Layouts.HistValue.SLOW),
          buckets);
      if (key.getInt(Layouts.HistKey.GEN) == drained) {
        taken.add(e);
        remove.write(key.array(), key.arrayOffset(), Layouts.HistKey.SIZE);
      } else {
        live.add(e);
      }
    });
    if (remove.size() > 0) {
      histDeleted.addAndGet(hist.deleteBatch(remove.toByteArray()));
    }
    return new Histograms(taken, live);
  }

  @Override
  public long labelSetsCreated() {
    ByteBuffer v = drain.lookup(u32(Layouts.DRAIN_INSERTS));
    return v == null ? 0 : v.getLong(0);
  }

  private static byte[] u32(int value) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value).array();
  }

  @Override
  public InflightScan scanInflight() {
    InflightScan result = parseScan(scan.read());
    threadsInSyscall = result.threadsInSyscall();
    return result;
  }

  /** The records of scan_inflight: a scan_call per stuck call, then a scan_summary. */
  static InflightScan parseScan(ByteBuffer b) {
    List<StuckCall> stuck = new ArrayList<>();
    long inSyscall = 0;
    int at = 0;
    while (at + 4 <= b.limit()) {
      int type = b.getInt(at);
      if (type == Layouts.SCAN_SUMMARY) {
        inSyscall = b.getLong(at + Layouts.ScanSummary.IN_SYSCALL);
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
          comm(c, Layouts.ScanCall.THREAD), comm(c, Layouts.ScanCall.PROCESS),
          c.getLong(Layouts.ScanCall.CGROUP), stack));
      at += Layouts.ScanCall.STACK + 8 * depth;
    }
    return new InflightScan(stuck, inSyscall);
  }

  /**
   * Runs fd_path_of over the process's file tables. Threads usually share the leader's table;
   * a thread with a table of its own (unshare) reports under its own tid, which wins.
   */
  @Override
  public Optional<String> fdPath(int pid, int tid, long fd) {
    if (fd < 0 || fd > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    ByteBuffer query = ByteBuffer.allocate(Layouts.PathQuery.SIZE).order(ByteOrder.nativeOrder())
        .putInt(Layouts.PathQuery.FD, (int) fd).putInt(Layouts.PathQuery.TGID, pid);
    ByteBuffer records;
    synchronized (pathLock) {
      pathQuery.update(u32(0), query.array());
      try (BpfIterator files = object.attachIterator("fd_path_of", readerPid(pid))) {
        records = files.read();
      }
    }
    String shared = null;
    int at = 0;
    while (at + Layouts.FdPath.PATH < records.limit()) {
      int recordTid = records.getInt(at + Layouts.FdPath.TID);
      int end = at + Layouts.FdPath.PATH;
      while (end < records.limit() && records.get(end) != 0) {
        end++;
      }
      String path = new String(records.array(), records.arrayOffset() + at + Layouts.FdPath.PATH,
          end - at - Layouts.FdPath.PATH, StandardCharsets.UTF_8);
      if (recordTid == tid) {
        return Optional.of(path);
      }
      if (recordTid == pid) {
        shared = path;
      }
      at = end + 1;
    }
    return Optional.ofNullable(shared);
  }

  @Override
  public long[] errors() {
    long[] totals = new long[Layouts.ERR_COUNT];
    for (int i = 0; i < totals.length; i++) {
      ByteBuffer perCpu = errors.lookup(u32(i));
      for (int cpu = 0; perCpu != null && cpu < possibleCpus; cpu++) {
        totals[i] += perCpu.getLong(8 * cpu);
      }
    }
    return totals;
  }

  @Override
  public MapFill fill(String map) {
    return switch (map) {
      // Created minus deleted: exact, and no walk of the map.
      case "hist" -> new MapFill((int) (labelSetsCreated() - histDeleted.get()), hist.maxEntries());
      case "inflight" -> new MapFill((int) threadsInSyscall, 0);
      default -> throw new IllegalArgumentException("no map " + map);
    };
  }

  @Override
  public int attachedPrograms() {
    return object.attachedPrograms();
  }

  @Override
  public List<ProgramStats> programStats() {
    List<ProgramStats> out = new ArrayList<>();
    object.runStats().forEach((name, s) -> out.add(new ProgramStats(name, s[0], s[1])));
    return out;
  }

  @Override
  public long slowEventPollErrors() {
    RingBufferPoller p = slowEvents;
    return p == null ? 0 : p.errors();
  }

  @Override
  public void onSlowEvent(Consumer<SlowEvent> consumer) {
    slowEvents = object.pollRingBuffer("slow_events", e -> consumer.accept(new SlowEvent(
        e.getLong(Layouts.SlowEvent.LATENCY_NS), e.getInt(Layouts.SlowEvent.TID),
        e.getInt(Layouts.SlowEvent.NS_TID),
        e.getInt(Layouts.SlowEvent.PID), e.getInt(Layouts.SlowEvent.NR),
        comm(e, Layouts.SlowEvent.THREAD), comm(e, Layouts.SlowEvent.PROCESS))));
  }

  /** A kernel comm: up to 16 bytes, NUL-terminated unless it fills them. */
  static String comm(ByteBuffer b, int offset) {
    int len = 0;
    while (len < Layouts.COMM_LEN && b.get(offset + len) != 0) {
      len++;
    }
    return new String(b.array(), b.arrayOffset() + offset, len, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    object.close();
  }
}
