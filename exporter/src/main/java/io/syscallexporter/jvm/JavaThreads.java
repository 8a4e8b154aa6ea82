package io.syscallexporter.jvm;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.trace.ThreadContextRecord;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The threads of the JVM the agent runs in. Each thread is named in the kernel by its pool's
 * id, from its full name (the kernel keeps 15 bytes of it, its comm), so its calls count under
 * the pool of its full name, and the kernel does no work on its comm per call; a thread not
 * named yet is keyed by its comm's pool. A thread's kernel tid is found without a safepoint
 * where its comm says it: the JVM's task list against the live Java threads' names. Only comms
 * that several pools share, and the JVM's own threads with cut names (compiler threads), need
 * its thread dump, which costs a safepoint: taken at most once per
 * {@link #NAMING_DUMP_EVERY_NANOS}, and only when such threads are new or the names behind
 * their comms changed (a server whose pools stay takes none after its first); or for a stuck
 * call's thread, at most once per {@link #DUMP_EVERY_NANOS}.
 */
public final class JavaThreads implements ThreadNames {
  /** Dumps for stuck calls, which are rare: this bounds their safepoints anyway. */
  static final long DUMP_EVERY_NANOS = 1_000_000_000L;
  /** Dumps to name threads the task list cannot: new ones, rarely. */
  static final long NAMING_DUMP_EVERY_NANOS = 5_000_000_000L;
  static final long ENUMERATE_EVERY_NANOS = 100_000_000L;
  /** A key waits for a look at the threads at most this long. */
  static final long COMM_WAIT_NANOS = 1_000_000_000L;
  /**
   * Frames kept of a stuck thread's Java stack, innermost first: the waiting line of the
   * service's code is near the top, and each stuck call keeps its stack while it is stuck.
   */
  static final int STACK_FRAMES = 64;
  private static final String SEVERAL = new String("several pools");

  private final String processName;
  private final LongSupplier monotonicNanos;
  private final Path tasks;
  private final PoolIds pools;
  /** The pool each comm key stands for, from the live threads (see {@link #poolsByKey}). */
  private volatile Map<String, String> poolByKey = Map.of();
  private long lastEnumeration = Long.MIN_VALUE / 2;
  private volatile Map<Integer, Long> javaIdByTid = Map.of();
  /** Every thread's name in the last dump, by tid; and the tids it could not name since. */
  private volatile Map<Integer, String> dumpedNames = Map.of();
  private final Set<Integer> triedByDump = ConcurrentHashMap.newKeySet();
  /** The Java names behind the comms the last naming dump was taken for. */
  private Set<String> namesAtDump = Set.of();
  /** Each task's comm at the last {@link #namesByTid}. */
  private Map<Integer, String> lastComms = Map.of();
  private long lastDump = Long.MIN_VALUE / 2;

  JavaThreads(String processName, LongSupplier monotonicNanos, Path tasks,
      ThreadPoolRules rules) {
    this.processName = processName;
    this.monotonicNanos = monotonicNanos;
    this.tasks = tasks;
    this.pools = new PoolIds(rules, () -> {}, monotonicNanos);
  }

  /**
   * The threads of this JVM, labelled by {@code rules}; its process name is the comm of its
   * main thread.
   */
  public static JavaThreads ofThisJvm(ThreadPoolRules rules) {
    return new JavaThreads(comm(Path.of("/proc/self/comm"), "java"), System::nanoTime,
        Path.of("/proc/self/task"), rules);
  }

  @Override
  public SeriesKey seriesKey(StuckCall c, boolean perPid) {
    return ThreadPools.seriesKey(c, perPid ? c.pid() : 0);
  }

  /**
   * Every series is this JVM's, by the pool its key names: a virtual thread pool's by the name
   * its index stands for; a thread not named yet by the pool of the live threads with its comm
   * key, as a look at them after its calls says (looks at most every 100 ms: until the next,
   * it waits, at most {@link #COMM_WAIT_NANOS}). A key no live thread has then (its thread
   * ended, or renamed itself) is labelled by its comm.
   */
  @Override
  public Labels labelsOf(SeriesKey key, long seenNanos) {
    if (key.virtual()) {
      String[] names = CarrierRecords.pools();
      int i = key.virtualIndex();
      return new Labels(processName,
          pools.labelOfPool(i > 0 && i < names.length ? names[i] : PoolIds.OTHER));
    }
    if (key.pool() == SeriesKey.BY_COMM && !poolByKey.containsKey(key.process())
        && !lookedSince(seenNanos)) {
      return null;
    }
    return new Labels(processName, pools.labelOf(key, poolByKey));
  }

  /**
   * Whether the live threads were looked at after {@code seenNanos}, looking now if the last
   * look is 100 ms old; or the key has waited its longest.
   */
  private synchronized boolean lookedSince(long seenNanos) {
    long now = monotonicNanos.getAsLong();
    if (now - lastEnumeration >= ENUMERATE_EVERY_NANOS) {
      lastEnumeration = now;
      poolByKey = poolsByKey(PoolIds.MAX_POOLS, Integer.MAX_VALUE);
      return true;
    }
    return seenNanos == BEST_NOW || lastEnumeration - seenNanos >= 0
        || now - seenNanos >= COMM_WAIT_NANOS;
  }

  /**
   * The pool each live thread's comm key stands for: how a thread is labelled in its first
   * seconds, before it is named. Every live thread's key is in (a key whose threads' names it
   * says whole stands for itself), so a key left out is one no live thread has. At most {@code
   * limit} keys; a pool longer than {@code maxPoolLength} is left out. A key that two pools
   * share (Jetty's {@code qtp..-15} acceptor among {@code qtp..-14}, its pool) stands for
   * itself, the comm's pool, as the kernel saw it: neither pool's.
   */
  public Map<String, String> poolsByKey(int limit, int maxPoolLength) {
    return poolsByKey(liveThreads(), limit, maxPoolLength);
  }

  private Map<String, String> poolsByKey(Thread[] live, int limit, int maxPoolLength) {
    Map<String, String> byKey = new HashMap<>();
    for (Thread t : live) {
      String name = t.getName();
      byKey.merge(ThreadPools.keyOf(name.equals("main") ? processName : name),
          ThreadPools.poolOf(name), (a, b) -> a.equals(b) ? a : SEVERAL);
    }
    // The JVM's own threads (compiler threads) are in its last thread dump only.
    for (String name : dumpedNames.values()) {
      if (!name.equals("main")) {
        byKey.merge(ThreadPools.keyOf(name), ThreadPools.poolOf(name),
            (a, b) -> a.equals(b) ? a : SEVERAL);
      }
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : byKey.entrySet()) {
      String pool = e.getValue() == SEVERAL ? e.getKey() : e.getValue();
      if (pool.length() <= maxPoolLength && pool.chars().noneMatch(c -> c < 0x20)
          && out.size() < limit) {
        out.put(e.getKey(), pool);
      }
    }
    return out;
  }

  /** Agent mode: names in the kernel the threads that are new or renamed since the last call. */
  @Override
  public void nameThreads(KernelSource kernel) {
    Map<Integer, Integer> changed = pools.update(namesByTid(Layouts.MAX_NAMED_THREADS));
    if (!changed.isEmpty()) {
      kernel.nameThreads(0, changed);
    }
  }

  /**
   * The full name of each live thread (a JVM's own thread whose name the dump does not know:
   * its comm), by tid in this JVM's pid namespace: at most {@code limit}. What a joined JVM
   * tells the host exporter.
   */
  public Map<Integer, String> namesByTid(int limit) {
    return namesByTid(liveThreads(), limit);
  }

  /**
   * What a joined JVM tells the host exporter every second, {@link #poolsByKey} and
   * {@link #namesByTid}, from one enumeration of its threads.
   */
  public Naming naming(int poolLimit, int maxPoolLength, int nameLimit) {
    Thread[] live = liveThreads();
    return new Naming(poolsByKey(live, poolLimit, maxPoolLength), namesByTid(live, nameLimit));
  }

  /** The pool each comm key stands for, and each thread's full name by tid. */
  public record Naming(Map<String, String> poolsByKey, Map<Integer, String> namesByTid) {}

  private synchronized Map<Integer, String> namesByTid(Thread[] live, int limit) {
    Map<String, String> nameByComm = new HashMap<>();
    Map<String, String> commByName = new HashMap<>();
    for (Thread t : live) {
      String name = t.getName();
      // The launcher's main thread keeps the process's comm: Java never renames it.
      String comm = name.equals("main") ? processName : ThreadPools.commOf(name);
      commByName.put(name, comm);
      nameByComm.merge(comm, name, (a, b) ->
          ThreadPools.poolOf(a).equals(ThreadPools.poolOf(b)) ? a : SEVERAL);
    }
    Map<Integer, String> out = new HashMap<>();
    Map<Integer, String> unknown = new HashMap<>();
    Map<Integer, String> comms = commsByTid();
    for (Map.Entry<Integer, String> task : comms.entrySet()) {
      String comm = task.getValue();
      // A thread just started still has its creator's comm, until HotSpot names it: a comm
      // is believed once it was the same a pass ago.
      if (!comm.equals(lastComms.get(task.getKey()))) {
        continue;
      }
      String name = nameByComm.get(comm);
      if (name == SEVERAL || (name == null && ThreadPools.mayBeCut(comm))) {
        unknown.put(task.getKey(), comm);
      } else {
        out.put(task.getKey(), name != null ? name : comm); // the JVM's own: its comm is whole
      }
    }
    lastComms = comms;
    // A dump for new threads, or when the Java names behind the comms it must tell apart
    // changed: a thread renamed after its first 15 bytes (Jetty's acceptor) keeps its comm.
    Set<String> asked = new HashSet<>(unknown.values());
    Set<String> behind = new HashSet<>();
    commByName.forEach((name, comm) -> {
      if (asked.contains(comm)) {
        behind.add(name);
      }
    });
    if (!unknown.isEmpty() && (!triedByDump.containsAll(unknown.keySet())
        || !behind.equals(namesAtDump)) && dump(NAMING_DUMP_EVERY_NANOS)) {
      namesAtDump = behind;
    }
    Map<Integer, String> dumped = dumpedNames;
    unknown.forEach((tid, comm) -> {
      String name = dumped.get(tid);
      // The dump's thread on that tid, if it still is: a tid is reused after a thread ends.
      if (name != null && ThreadPools.commOf(name).equals(comm)) {
        out.put(tid, name);
      }
    });
    if (out.size() > limit) { // the lowest tids: the same ones from one pass to the next
      TreeMap<Integer, String> sorted = new TreeMap<>(out);
      while (sorted.size() > limit) {
        sorted.pollLastEntry();
      }
      return sorted;
    }
    return out;
  }

  /** This JVM's tasks and their comms, as the kernel has them now. */
  private Map<Integer, String> commsByTid() {
    Map<Integer, String> out = new HashMap<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
      for (Path task : dir) {
        String comm = comm(task.resolve("comm"), null);
        if (comm != null) {
          out.put(Integer.parseInt(task.getFileName().toString()), comm);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: no thread is named, each is keyed by its comm
    }
    return out;
  }

  /** A comm file's text without its newline (a comm may end in spaces), or {@code absent}. */
  private static String comm(Path file, String absent) {
    try {
      String s = Files.readString(file);
      return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    } catch (IOException e) {
      return absent; // the thread ended
    }
  }

  /**
   * By tid when the last dump knows it; otherwise by names only, without a dump: a comm shorter
   * than 15 bytes is the name, and a cut one may match a single live thread.
   */
  @Override
  public String nameOf(int pid, int tid, String comm) {
    Thread t = byTid(tid, false);
    if (t != null) {
      return t.getName();
    }
    if (ThreadPools.mayBeCut(comm)) {
      String only = null;
      for (Thread live : liveThreads()) {
        if (ThreadPools.commOf(live.getName()).equals(comm)) {
          if (only != null) {
            return comm; // several: a pool, and the kernel's tid is the only way to tell
          }
          only = live.getName();
        }
      }
      return only != null ? only : comm;
    }
    return comm;
  }

  /**
   * By tid, taking a thread dump if the last one does not know it. A carrier thread is
   * described by the virtual thread mounted on it: its name, its stack and its trace, with the
   * carrier's name.
   */
  @Override
  public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
    Thread t = byTid(tid, true);
    if (t == null) {
      return CompletableFuture.completedFuture(new StuckThread(comm, List.of()));
    }
    Thread mounted = CarrierRecords.mountedOn(t);
    if (mounted != null) {
      return CompletableFuture.completedFuture(new StuckThread(virtualName(mounted),
          stackOf(mounted), ThreadContextRecord.contextOf(CarrierRecords.recordOf(t)),
          t.getName()));
    }
    return CompletableFuture.completedFuture(new StuckThread(t.getName(), stackOf(t),
        ThreadContextRecord.contextOf(t)));
  }

  /** A virtual thread's name; an unnamed one's, its id. */
  static String virtualName(Thread virtual) {
    String name = virtual.getName();
    return name.isEmpty() ? "#" + virtual.getId() : name;
  }

  private static List<String> stackOf(Thread t) {
    return Arrays.stream(t.getStackTrace()).limit(STACK_FRAMES)
        .map(StackTraceElement::toString).toList();
  }

  /**
   * The pool each virtual thread pool index of this JVM's carriers stands for, from index 1
   * (none without virtual threads): what a joined JVM tells the host exporter.
   */
  public Map<Integer, String> virtualPools() {
    String[] names = CarrierRecords.pools();
    Map<Integer, String> out = new HashMap<>();
    for (int i = 1; i < names.length; i++) {
      out.put(i, names[i]);
    }
    return out;
  }

  /** The live thread on kernel thread {@code tid}; {@code mayDump}: a new dump if unknown. */
  private Thread byTid(int tid, boolean mayDump) {
    Long javaId = javaIdByTid.get(tid);
    if (javaId == null && mayDump && dump(DUMP_EVERY_NANOS)) {
      javaId = javaIdByTid.get(tid);
    }
    if (javaId == null) {
      return null;
    }
    for (Thread t : liveThreads()) {
      if (t.getId() == javaId) {
        return t;
      }
    }
    return null;
  }

  /** Takes a thread dump unless one was taken within {@code every}; true if so. */
  private synchronized boolean dump(long every) {
    long now = monotonicNanos.getAsLong();
    if (now - lastDump < every) {
      return false;
    }
    lastDump = now;
    try {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      javaIdByTid = ThreadDump.javaIdsByTid(text);
      dumpedNames = ThreadDump.namesByTid(text);
      triedByDump.clear(); // bounded: the tids of one moment
      triedByDump.addAll(commsByTid().keySet());
      return true;
    } catch (JMException | RuntimeException e) {
      return false;
    }
  }

  private static Thread[] liveThreads() {
    ThreadGroup root = Thread.currentThread().getThreadGroup();
    while (root.getParent() != null) {
      root = root.getParent();
    }
    Thread[] threads = new Thread[root.activeCount() + 16];
    int n;
    while ((n = root.enumerate(threads, true)) == threads.length) {
      threads = new Thread[threads.length * 2];
    }
    return Arrays.copyOf(threads, n);
  }
}
