package io.syscallexporter.bpf;

import io.syscallexporter.Threads;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.InflightScan;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.policy.SyscallPolicy;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * bpf/syscall_exporter.bpf.c, loaded and attached: the real {@link KernelSource}. Closing it
 * detaches every program.
 */
public final class SyscallTracer implements KernelSource, AutoCloseable {
  /**
   * The programs attached to tracepoints, in this order; the iterators run on demand. The ends
   * of calls first: a call that began before sys_enter was attached needs no start, but one
   * whose start sys_enter marked needs sys_exit to end it, or its thread would look stuck.
   */
  static final List<String> PROGRAMS = List.of("thread_exit", "sys_exit", "sys_enter");
  /**
   * The hist maps of one JVM (agent mode): a few hundred (thread, syscall) label sets within a
   * drain period, not a host's; 2.8 MiB of kernel memory instead of 14 per agent.
   */
  static final int AGENT_HIST_ENTRIES = 2048;
  /** The label sets' index, their slots and the free slots: sized alike. */
  static final List<String> HIST_MAPS = List.of("hist", "hist_values", "hist_free");
  /** How long a scan waits for a stuck thread's trace context before going on without it. */
  static final Duration CONTEXT_READ_WAIT = Duration.ofMillis(200);

  private final BpfObject object;
  /** The process the programs measure (agent mode), in the initial pid namespace; 0: all. */
  private final int targetTgid;
  private final boolean initialPidNamespace;
  private final BpfMap hist;
  private final MappedArray histValues;
  private final BpfMap histFree;
  private final BpfMap errors;
  private final BpfMap pathQuery;
  private final MappedArray drain;
  private final BpfMap joinedJvms;
  private final BpfMap contextCookies;
  private final BpfMap contextQuery;
  /** stuck_context is loaded: the kernel can read another process's memory (5.18+). */
  private final boolean readsContexts;
  /** Where stuck_context runs, so that a read that cannot finish holds up only itself. */
  private final ExecutorService contextReader =
      Executors.newSingleThreadExecutor(Threads.factory("context"));
  /** The last read started; while it runs, no other starts. */
  private Future<TraceContext> contextRead;
  private final BpfMap markQuery;
  private final BpfMap threadPools;
  private final BpfMap poolQuery;
  /** The generation the programs write histograms under: 1 (in the object), 2, 3, ... */
  private int generation = 1;
  private final BpfIterator scan;
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

  private SyscallTracer(BpfObject object, int targetTgid, boolean readsContexts) {
    this.object = object;
    this.readsContexts = readsContexts;
    this.targetTgid = targetTgid;
    this.initialPidNamespace = PidNamespace.isInitial();
    this.hist = object.map("hist", Layouts.HistKey.SIZE, 4);
    this.histValues = object.mappedArray("hist_values", Layouts.HistValue.SIZE);
    this.histFree = object.map("hist_free", 0, 4);
    this.errors = object.perCpuMap("errors", 4, 8);
    this.pathQuery = object.map("path_query", 4, Layouts.PathQuery.SIZE);
    this.drain = object.mappedArray(".data.drain", Layouts.DrainState.SIZE);
    this.joinedJvms = object.map("joined_jvms", 4, 8);
    this.contextCookies = object.map("context_cookies", 4, 8);
    this.contextQuery = object.map("context_query", 4, Layouts.ContextQuery.SIZE);
    this.markQuery = object.map("mark_query", 4, Layouts.MarkQuery.SIZE);
    this.threadPools = object.map("thread_pools", 4, 4);
    this.poolQuery = object.map("pool_query", 4, Layouts.PoolQuery.SIZE);
    // Before the programs run: every slot free.
    for (int slot = 0; slot < histValues.maxEntries(); slot++) {
      histFree.push(u32(slot));
    }
    // Agent mode scans the JVM's threads only, not the host's. Where the kernel cannot limit
    // the iterator, the result is the same: only the JVM's threads have task storage.
    this.scan = object.attachIterator("scan_inflight", readerPid(targetTgid));
  }

  /** Loads and attaches the programs, or throws a BpfException that says what to do. */
  public static SyscallTracer start(Settings settings) {
    KernelChecks.preflight();
    BpfObject object = BpfObject.open("syscall_exporter", ObjectResource.read());
    try {
      object.setRodata(Rodata.of(settings));
      if (settings.targetTgid() != 0) {
        HIST_MAPS.forEach(map -> object.setMaxEntries(map, AGENT_HIST_ENTRIES));
      }
      object.skip("whoami"); // for PidNamespace.kernelTgid() only
      if (settings.targetTgid() != 0) {
        object.skip("mark_jvm"); // JVMs join a host exporter, not an agent
      }
      boolean readsContexts = KernelChecks.readsOtherProcessesMemory();
      if (!readsContexts) {
        object.skip("stuck_context"); // stuck calls carry no trace context there
      }
      object.load();
      SyscallTracer tracer = new SyscallTracer(object, settings.targetTgid(), readsContexts);
      PROGRAMS.forEach(object::attach);
      return tracer;
    } catch (RuntimeException e) {
      object.close();
      throw e;
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

  @Override
  public synchronized int switchGeneration() {
    int old = generation++;
    drain.putLong(0, Layouts.DrainState.GEN, generation);
    BpfObject.awaitRunningPrograms();
    return old;
  }

  /**
   * Reads every label set's slot; those of the drained generation are removed from hist and
   * their slots given back. No program writes them any more: the generation moved on and
   * {@link #switchGeneration} waited out the programs that had read the old one.
   */
  @Override
  public Histograms readHistograms(int drained) {
    List<HistogramEntry> taken = new ArrayList<>();
    List<HistogramEntry> live = new ArrayList<>();
    ByteArrayOutputStream remove = new ByteArrayOutputStream();
    List<Integer> freed = new ArrayList<>();
    hist.forEach((key, slot) -> {
      HistogramEntry e = HistogramRecords.decode(key, histValues.value(slot.getInt(0)));
      if (HistogramRecords.generation(key) == drained) {
        taken.add(e);
        remove.write(key.array(), key.arrayOffset(), Layouts.HistKey.SIZE);
        freed.add(slot.getInt(0));
      } else {
        live.add(e);
      }
    });
    if (remove.size() > 0) {
      histDeleted.addAndGet(hist.deleteBatch(remove.toByteArray()));
      freed.forEach(slot -> histFree.push(u32(slot)));
    }
    return new Histograms(taken, live);
  }

  @Override
  public long labelSetsCreated() {
    return drain.getLong(0, Layouts.DrainState.INSERTS);
  }

  private static byte[] u32(int value) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, value).array();
  }

  @Override
  public InflightScan scanInflight() {
    InflightScan result = ScanRecords.parse(scan.read());
    threadsInSyscall = result.threadsInSyscall();
    return result;
  }

  @Override
  public boolean join(int pid) {
    synchronized (markQuery) {
      try {
        joinedJvms.update(u32(pid), new byte[8]); // mark_jvm stamps the leader's start time
      } catch (BpfException e) {
        if (e.errno() == Errno.E2BIG) {
          return false; // full: MAX_JOINED_JVMS
        }
        throw e;
      }
      mark(pid, Layouts.MARK_JOINED);
      return true;
    }
  }

  @Override
  public void leave(int pid) {
    synchronized (markQuery) {
      // First out of the map, so that no new thread is marked joined after the walk.
      joinedJvms.delete(u32(pid));
      mark(pid, Layouts.MARK_PLAIN);
    }
  }

  @Override
  public boolean stillJoined(int pid) {
    return joinedJvms.lookup(u32(pid)) != null;
  }

  @Override
  public boolean allowTraceContexts(int pid, long cookie) {
    try {
      contextCookies.update(u32(pid != 0 ? pid : targetTgid), ByteBuffer.allocate(8)
          .order(ByteOrder.nativeOrder()).putLong(0, cookie).array());
      return true;
    } catch (BpfException e) {
      if (e.errno() == Errno.E2BIG) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public void forgetTraceContexts(int pid) {
    contextCookies.delete(u32(pid != 0 ? pid : targetTgid));
  }

  @Override
  public TraceContext traceContext(int pid, int tid, long startNanos) {
    if (!readsContexts) {
      return TraceContext.NONE;
    }
    Future<TraceContext> read;
    synchronized (contextReader) {
      if (contextRead != null && !contextRead.isDone()) {
        return TraceContext.NONE; // one is still waiting for its process's memory
      }
      read = contextReader.submit(() -> readContext(pid, tid, startNanos));
      contextRead = read;
    }
    try {
      return read.get(CONTEXT_READ_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      return TraceContext.NONE;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return TraceContext.NONE;
    }
  }

  private TraceContext readContext(int pid, int tid, long startNanos) {
    ByteBuffer record = runFor(pid, "stuck_context", contextQuery,
        ByteBuffer.allocate(Layouts.ContextQuery.SIZE).order(ByteOrder.nativeOrder())
            .putInt(Layouts.ContextQuery.TGID, pid).putInt(Layouts.ContextQuery.TID, tid)
            .putLong(Layouts.ContextQuery.START_NS, startNanos).array());
    return record.remaining() < Layouts.TraceContext.SIZE ? TraceContext.NONE
        : SlowEventRecords.traceContext(record, record.position());
  }

  /**
   * Fills thread_pools with one run's worth and walks the process's threads with name_threads,
   * then empties it: the map only ever holds the run in progress.
   */
  @Override
  public void nameThreads(int pid, Map<Integer, Integer> poolByTid) {
    int tgid = pid != 0 ? pid : targetTgid;
    List<Map.Entry<Integer, Integer>> all = new ArrayList<>(poolByTid.entrySet());
    synchronized (poolQuery) {
      for (int from = 0; from < all.size(); from += Layouts.MAX_NAMED_THREADS) {
        List<Map.Entry<Integer, Integer>> run =
            all.subList(from, Math.min(all.size(), from + Layouts.MAX_NAMED_THREADS));
        try {
          run.forEach(e -> threadPools.update(u32(e.getKey()), u32(e.getValue())));
          runFor(tgid, "name_threads", poolQuery, u32(tgid));
        } finally {
          run.forEach(e -> threadPools.delete(u32(e.getKey())));
        }
      }
    }
  }

  /** Sets the mark of every thread the process has now; later threads look the map up. */
  private void mark(int pid, int mark) {
    runFor(pid, "mark_jvm", markQuery, ByteBuffer.allocate(Layouts.MarkQuery.SIZE)
        .order(ByteOrder.nativeOrder()).putInt(Layouts.MarkQuery.TGID, pid)
        .putInt(Layouts.MarkQuery.MARK, mark).array());
  }

  /**
   * Runs an iterator program over one process's tasks, with {@code query} (slot 0 of a
   * one-entry map the program reads) set for that run, and returns what it wrote. The query map
   * stays locked for the run, so concurrent runs do not see each other's query.
   */
  private ByteBuffer runFor(int pid, String program, BpfMap query, byte[] value) {
    synchronized (query) {
      query.update(u32(0), value);
      try (BpfIterator it = object.attachIterator(program, readerPid(pid))) {
        return it.read();
      }
    }
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
    ByteBuffer records = runFor(pid, "fd_path_of", pathQuery,
        ByteBuffer.allocate(Layouts.PathQuery.SIZE).order(ByteOrder.nativeOrder())
            .putInt(Layouts.PathQuery.FD, (int) fd).putInt(Layouts.PathQuery.TGID, pid).array());
    return FdPathRecords.pathOf(records, pid, tid);
  }

  @Override
  public long[] errors() {
    long[] totals = new long[Layouts.ERR_COUNT];
    for (int i = 0; i < totals.length; i++) {
      ByteBuffer perCpu = errors.lookup(u32(i)); // a u64 per possible CPU
      for (int at = 0; perCpu != null && at < perCpu.capacity(); at += 8) {
        totals[i] += perCpu.getLong(at);
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
    slowEvents = object.pollRingBuffer("slow_events",
        e -> consumer.accept(SlowEventRecords.decode(e)));
  }

  @Override
  public void close() {
    contextReader.shutdownNow();
    object.close();
  }
}
