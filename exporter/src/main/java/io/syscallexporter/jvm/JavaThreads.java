package io.syscallexporter.jvm;

import io.syscallexporter.collect.ThreadNames;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The threads of the JVM the agent runs in. A series' thread label comes from the comm in its
 * kernel key: a comm shorter than 15 bytes is the thread's whole name; a longer name is found
 * among the live Java threads, whose enumeration is cheap (no safepoint). A single thread, by
 * kernel tid, is found through the JVM's thread dump, which costs a safepoint: it is taken only
 * for a thread not yet known, and at most once per {@link #DUMP_EVERY_NANOS} unless a stuck
 * call asks.
 */
public final class JavaThreads implements ThreadNames {
  static final long ENUMERATE_EVERY_NANOS = 100_000_000L;
  static final long DUMP_EVERY_NANOS = 10_000_000_000L;
  static final long URGENT_DUMP_EVERY_NANOS = 1_000_000_000L;
  /** Comms remembered; past this (names made unique per thread), the memory starts over. */
  static final int MAX_COMMS = 10_000;

  private final String processName;
  private final LongSupplier monotonicNanos;
  private final Map<String, String> poolByComm = new ConcurrentHashMap<>();
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
  public boolean byThread() {
    return true;
  }

  @Override
  public String processName() {
    return processName;
  }

  @Override
  public String poolOf(String comm) {
    String pool = poolByComm.get(comm);
    if (pool != null) {
      return pool;
    }
    if (ThreadPools.mayBeCut(comm) || comm.equals(processName)) {
      enumerate();
      pool = poolByComm.get(comm);
    }
    return pool != null ? pool : ThreadPools.poolOf(comm);
  }

  /** Learns the comm of every live Java thread; at most once per {@link #ENUMERATE_EVERY_NANOS}. */
  private synchronized void enumerate() {
    long now = monotonicNanos.getAsLong();
    if (now - lastEnumeration < ENUMERATE_EVERY_NANOS) {
      return;
    }
    lastEnumeration = now;
    if (poolByComm.size() > MAX_COMMS) {
      poolByComm.clear();
    }
    for (Thread t : liveThreads()) {
      String name = t.getName();
      // The launcher's main thread keeps the process's comm: Java never renames it.
      String comm = name.equals("main") ? processName : ThreadPools.commOf(name);
      if (comm.equals(name)) {
        continue; // a short name is its own comm: nothing to remember
      }
      String pool = ThreadPools.poolOf(name);
      String known = poolByComm.putIfAbsent(comm, pool);
      if (known != null && !known.equals(pool) && !known.equals(ThreadPools.poolOf(comm))) {
        // Two pools cut to the same comm: neither name is right, the comm is.
        poolByComm.put(comm, ThreadPools.poolOf(comm));
      }
    }
  }

  @Override
  public String nameOf(int tid, String comm, boolean urgent) {
    Thread t = byTid(tid, urgent);
    return t != null ? t.getName() : comm;
  }

  @Override
  public List<String> javaStack(int tid) {
    Thread t = byTid(tid, true);
    if (t == null) {
      return List.of();
    }
    return Arrays.stream(t.getStackTrace()).map(StackTraceElement::toString).toList();
  }

  private Thread byTid(int tid, boolean urgent) {
    Long javaId = javaIdByTid.get(tid);
    if (javaId == null && dump(urgent ? URGENT_DUMP_EVERY_NANOS : DUMP_EVERY_NANOS)) {
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

  /** Takes a thread dump unless one was taken within {@code minGapNanos}; true if it did. */
  private synchronized boolean dump(long minGapNanos) {
    long now = monotonicNanos.getAsLong();
    if (now - lastDump < minGapNanos) {
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
