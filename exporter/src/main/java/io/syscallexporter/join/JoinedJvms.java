package io.syscallexporter.join;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.jvm.ThreadPools;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.LabelBudget;
import io.syscallexporter.metrics.LabelSet;
import io.syscallexporter.metrics.SeriesText;
import io.syscallexporter.metrics.Totals;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JVMs that joined this host exporter through the agent socket, and how threads are named
 * on a host: a joined JVM's series are labelled by its name and Java thread pool, every other
 * process's by its name. Identity is the kernel's: a JVM is the process on the other end of its
 * connection (SO_PEERCRED), and describes only itself.
 */
@Singleton
public final class JoinedJvms implements ThreadNames {
  /** How long a stuck thread's Java stack may take to come back from its JVM. */
  static final long STACK_TIMEOUT_MILLIS = 1000;
  /** Names of JVMs gone, for their series still in the kernel until the next drains. */
  static final int DEPARTED_NAMES = 1024;
  /** Thread pools one JVM may label; more (a pool per request thread, say) go to _other. */
  static final int MAX_POOLS_PER_JVM = 256;

  private final KernelSource kernel;
  private final JoinStats stats;
  private final Map<Integer, Member> members = new ConcurrentHashMap<>();
  /** The exporter is stopping: its programs go with it, nothing to unmark. */
  private volatile boolean closing;
  private final Map<Integer, String> departed = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
      return size() > DEPARTED_NAMES;
    }
  };

  @Inject
  public JoinedJvms(KernelSource kernel, JoinStats stats) {
    this.kernel = kernel;
    this.stats = stats;
  }

  /** What the exporter may ask of a joined JVM: its connection. */
  interface Link {
    /** The Java name and stack of thread {@code tid} (its own namespace's), or null. */
    StuckThread stack(int tid, String comm, long timeoutMillis);

    /** Sends the JVM its own series ({@link SeriesText}); false if it could not. */
    boolean metrics(String text);
  }

  /** A joined JVM: its name and the pools its threads' kernel keys stand for. */
  static final class Member {
    final int pid;
    final String name;
    final Link link;
    volatile Map<String, String> poolByKey = Map.of();
    /** Pools labelled so far; bounded by {@link #MAX_POOLS_PER_JVM}. */
    final Set<String> pools = ConcurrentHashMap.newKeySet();

    Member(int pid, String name, Link link) {
      this.pid = pid;
      this.name = name;
      this.link = link;
    }

    String poolOf(String key) {
      return poolByKey.getOrDefault(key, key);
    }
  }

  /**
   * Joins process {@code pid} under {@code name}; null with the reason when it cannot: a
   * process joins once, and the kernel has room for {@code MAX_JOINED_JVMS}.
   */
  synchronized Member join(int pid, String name, Link link, StringBuilder whyNot) {
    if (members.containsKey(pid)) {
      whyNot.append("process ").append(pid).append(" has joined already");
      return null;
    }
    try {
      if (!kernel.join(pid)) {
        whyNot.append("too many JVMs have joined this exporter");
        return null;
      }
    } catch (RuntimeException e) {
      whyNot.append("cannot mark the JVM's threads: ").append(e.getMessage());
      return null;
    }
    Member m = new Member(pid, name, link);
    members.put(pid, m);
    stats.joined();
    Log.info("JVM joined", "pid", pid, "name", name);
    return m;
  }

  /** The JVM has gone, or its connection has: its threads count under its comm again. */
  synchronized void leave(Member m) {
    if (members.remove(m.pid, m)) {
      departed.put(m.pid, m.name);
      if (closing) {
        return;
      }
      try {
        kernel.leave(m.pid);
      } catch (RuntimeException e) {
        Log.warn("cannot unmark a departed JVM's threads", "pid", m.pid, "err", e.getMessage());
      }
      Log.info("JVM left", "pid", m.pid, "name", m.name);
    }
  }

  /** The exporter stops: the JVMs' connections close, their programs with it. */
  void closing() {
    closing = true;
  }

  /**
   * Sends each joined JVM its own series, for its agent to publish over JMX. JVMs that share a
   * name share series, as processes that share a name do.
   */
  public void publish(JmxPublisher.Source series) {
    if (members.isEmpty()) {
      return;
    }
    Map<LabelSet, Totals> totals = series.totals();
    Map<LabelSet, Double> timedOut = series.timedOut();
    for (Member m : members.values()) {
      m.link.metrics(SeriesText.encode(totals, timedOut, m.name));
    }
  }

  /** JVMs joined now. */
  public int size() {
    return members.size();
  }

  @Override
  public SeriesKey seriesKey(StuckCall c, boolean perPid) {
    if (!members.containsKey(c.pid())) {
      return ThreadNames.processKey(c, perPid);
    }
    // As the kernel keys a joined JVM's thread: its comm's pool, and the JVM's pid.
    return new SeriesKey(ThreadPools.poolOf(c.thread()), c.pid(), c.nr(), c.cgroup(), true);
  }

  @Override
  public Labels labelsOf(SeriesKey key) {
    if (!key.joined()) {
      return new Labels(key.process(), null);
    }
    Member m = members.get(key.pid());
    if (m != null) {
      String pool = m.poolOf(key.process());
      if (!m.pools.contains(pool) && m.pools.size() >= MAX_POOLS_PER_JVM) {
        stats.poolOverLimit();
        return new Labels(m.name, LabelBudget.OTHER);
      }
      m.pools.add(pool);
      return new Labels(m.name, pool);
    }
    String name;
    synchronized (this) {
      name = departed.get(key.pid());
    }
    return new Labels(name != null ? name : "java", key.process());
  }

  @Override
  public String nameOf(int pid, int tid, String comm) {
    return comm; // slow calls come by the thousand: no round trip to the JVM for each
  }

  @Override
  public StuckThread stuckThread(int pid, int tid, String comm) {
    Member m = members.get(pid);
    StuckThread t = m == null ? null : m.link.stack(tid, comm, STACK_TIMEOUT_MILLIS);
    return t != null ? t : new StuckThread(comm, List.of());
  }
}
