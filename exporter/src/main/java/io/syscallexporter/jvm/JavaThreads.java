package io.syscallexporter.jvm;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The threads of the JVM the agent runs in. A series' thread label comes from its kernel key,
 * the pool of the thread's comm: for a name of up to 15 bytes that is the name's pool; a
 * longer name is found among the live Java threads, whose enumeration is cheap (no
 * safepoint). A single thread, by kernel tid, is found through the JVM's thread dump, which
 * costs a safepoint: it is taken only for a stuck call's thread not yet known, and at most once
 * per {@link #DUMP_EVERY_NANOS}.
 */
public final class JavaThreads implements ThreadNames {
  static final long ENUMERATE_EVERY_NANOS = 100_000_000L;
  /** Dumps are for stuck calls only, which are rare: this bounds their safepoints anyway. */
  static final long DUMP_EVERY_NANOS = 1_000_000_000L;
  /**
   * Frames kept of a stuck thread's Java stack, innermost first: the waiting line of the
   * service's code is near the top, and each stuck call keeps its stack while it is stuck.
   */
  static final int STACK_FRAMES = 64;
  /** Keys remembered; past this (long names made unique per thread), the memory starts over. */
  static final int MAX_KEYS = 10_000;

  private final String processName;
  private final LongSupplier monotonicNanos;
  private final Map<String, String> poolByKey = new ConcurrentHashMap<>();
  private volatile Map<Integer, Long> javaIdByTid = Map.of();
  private long lastEnumeration = Long.MIN_VALUE / 2;
  private long lastDump = Long.MIN_VALUE / 2;

  JavaThreads(String processName, LongSupplier monotonicNanos) {
    this.processName = processName;
    this.monotonicNanos = monotonicNanos;
  }

  /** The threads of this JVM; its process name is the comm of its main thread. */
  public static JavaThreads ofThisJvm() {
    String comm;
    try {
      comm = Files.readString(Path.of("/proc/self/comm")).strip();
    } catch (IOException e) {
      comm = "java";
    }
    return new JavaThreads(comm, System::nanoTime);
  }

  @Override
  public SeriesKey seriesKey(StuckCall c, boolean perPid) {
    return new SeriesKey(ThreadPools.poolOf(c.thread()), perPid ? c.pid() : 0, c.nr(),
        c.cgroup());
  }

  /** Every series is this JVM's, by the pool its key names. */
  @Override
  public Labels labelsOf(SeriesKey key) {
    return new Labels(processName, poolOf(key.process()));
  }

  /** {@code key}: a thread's comm as the kernel keys it, its number replaced by {@code *}. */
  String poolOf(String key) {
    String pool = poolByKey.get(key);
    if (pool == null) {
      enumerate();
      pool = poolByKey.get(key);
    }
    // Not found: a short name, which is its own key, or a long one gone before it was seen.
    return pool != null ? pool : key;
  }

  /**
   * Learns the key of every live Java thread whose key is not its pool (a name the kernel cuts,
   * and the main thread); at most once per {@link #ENUMERATE_EVERY_NANOS}.
   */
  private synchronized void enumerate() {
    long now = monotonicNanos.getAsLong();
    if (now - lastEnumeration < ENUMERATE_EVERY_NANOS) {
      return;
    }
    lastEnumeration = now;
    if (poolByKey.size() > MAX_KEYS) {
      poolByKey.clear();
    }
    for (Thread t : liveThreads()) {
      String name = t.getName();
      // The launcher's main thread keeps the process's comm: Java never renames it.
      String key = ThreadPools.keyOf(name.equals("main") ? processName : name);
      String pool = ThreadPools.poolOf(name);
      if (key.equals(pool)) {
        continue; // nothing to learn
      }
      String known = poolByKey.putIfAbsent(key, pool);
      if (known != null && !known.equals(pool) && !known.equals(key)) {
        // Two pools cut to the same key: neither name is right, the key is.
        poolByKey.put(key, key);
      }
    }
  }

  /**
   * The pool each live thread's kernel key stands for, where the key cannot say it whole (a
   * name the kernel cuts, the main thread): what a joined JVM tells the host exporter. At most
   * {@code limit} keys; a key two pools share maps to itself.
   */
  public Map<String, String> poolsByKey(int limit, int maxPoolLength) {
    Map<String, String> out = new HashMap<>();
    for (Thread t : liveThreads()) {
      String name = t.getName();
      String key = ThreadPools.keyOf(name.equals("main") ? processName : name);
      String pool = ThreadPools.poolOf(name);
      if (key.equals(pool) || pool.length() > maxPoolLength
          || pool.chars().anyMatch(c -> c < 0x20)) {
        continue;
      }
      String known = out.putIfAbsent(key, pool);
      if (known != null && !known.equals(pool)) {
        out.put(key, key);
      }
      if (out.size() >= limit) {
        break;
      }
    }
    return out;
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

  /** By tid, taking a thread dump if the last one does not know it. */
  @Override
  public StuckThread stuckThread(int pid, int tid, String comm) {
    Thread t = byTid(tid, true);
    if (t == null) {
      return new StuckThread(comm, List.of());
    }
    return new StuckThread(t.getName(), Arrays.stream(t.getStackTrace()).limit(STACK_FRAMES)
        .map(StackTraceElement::toString).toList());
  }

  /** The live thread on kernel thread {@code tid}; {@code mayDump}: a new dump if unknown. */
  private Thread byTid(int tid, boolean mayDump) {
    Long javaId = javaIdByTid.get(tid);
    if (javaId == null && mayDump && dump()) {
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

  /** Takes a thread dump unless one was taken within {@link #DUMP_EVERY_NANOS}; true if so. */
  private synchronized boolean dump() {
    long now = monotonicNanos.getAsLong();
    if (now - lastDump < DUMP_EVERY_NANOS) {
      return false;
    }
    lastDump = now;
    try {
      String text = (String) ManagementFactory.getPlatformMBeanServer().invoke(
          new ObjectName("com.sun.management:type=DiagnosticCommand"), "threadPrint",
          new Object[] {new String[0]}, new String[] {String[].class.getName()});
      javaIdByTid = ThreadDump.javaIdsByTid(text);
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
