package io.syscallexporter.join;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.Log;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.jvm.PoolIds;
import io.syscallexporter.jvm.ThreadPoolRules;
import io.syscallexporter.jvm.ThreadPools;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.LabelSet;
import io.syscallexporter.metrics.SeriesText;
import io.syscallexporter.metrics.Totals;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The JVMs that joined this host exporter through the agent socket, and how threads are named
 * on a host: a joined JVM's series are labelled by its name and Java thread pool, every other
 * process's by its name. Identity is the kernel's: a JVM is the process on the other end of its
 * connection (SO_PEERCRED), and describes only itself.
 */
@Singleton
public final class JoinedJvms implements ThreadNames {
  /**
   * How long a stuck thread's Java stack may take to come back from its JVM; the call is shown
   * and counted at once, and described by its comm if no answer comes by then.
   */
  static final long STACK_TIMEOUT_MILLIS = 2000;
  /**
   * JVMs gone, with their names and pools, for their series still in the kernel until the
   * next drains.
   */
  static final int DEPARTED_NAMES = 256;
  private final KernelSource kernel;
  private final JoinStats stats;
  private final ThreadPoolRules rules;
  private final Map<Integer, Member> members = new ConcurrentHashMap<>();
  /** The exporter is stopping: its programs go with it, nothing to unmark. */
  private volatile boolean closing;
  private final Map<Integer, Member> departed = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, Member> eldest) {
      return size() > DEPARTED_NAMES;
    }
  };

  @Inject
  public JoinedJvms(KernelSource kernel, JoinStats stats, ThreadPoolRules rules) {
    this.kernel = kernel;
    this.stats = stats;
    this.rules = rules;
  }

  /** What the exporter may ask of a joined JVM: its connection. */
  interface Link {
    /**
     * Asks for the Java name and stack of thread {@code tid} (its own namespace's), without
     * waiting: the answer completes the future, with null if the JVM cannot say.
     */
    CompletableFuture<StuckThread> stack(int tid, String comm);

    /** Queues the JVM its own series ({@link SeriesText}); the latest replaces one not sent. */
    void metrics(String text);
  }

  /** A joined JVM: its name, and the pools its threads are keyed by. */
  static final class Member {
    final int pid;
    final String name;
    final Link link;
    final PoolIds pools;
    /** The pool each comm key of its live threads stands for, as the agent last said. */
    volatile Map<String, String> poolByKey = Map.of();

    Member(int pid, String name, Link link, PoolIds pools) {
      this.pid = pid;
      this.name = name;
      this.link = link;
      this.pools = pools;
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
    Member m = new Member(pid, name, link, new PoolIds(rules, stats::poolOverLimit, System::nanoTime));
    members.put(pid, m);
    stats.joined();
    Log.info("JVM joined", "pid", pid, "name", name);
    return m;
  }

  /** The JVM has gone, or its connection has: its threads count under its comm again. */
  synchronized void leave(Member m) {
    if (members.remove(m.pid, m)) {
      departed.put(m.pid, m);
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

  /**
   * The JVM's threads' full names, by tid in the JVM's own pid namespace: the kernel keys each
   * by its pool from now on.
   */
  synchronized void named(Member m, Map<Integer, String> namesByTid) {
    if (members.get(m.pid) != m) {
      return; // gone meanwhile: its threads are plain again
    }
    Map<Integer, Integer> changed = m.pools.update(namesByTid);
    if (!changed.isEmpty()) {
      kernel.nameThreads(m.pid, changed);
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
      m.link.metrics(SeriesText.encode(totals, timedOut, m.name)); // queued: never blocks
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
    // As the kernel keys a joined JVM's thread: its pool, and the JVM's pid.
    return ThreadPools.seriesKey(c, c.pid());
  }

  @Override
  public Labels labelsOf(SeriesKey key) {
    if (!key.byPool()) {
      return new Labels(key.process(), null);
    }
    Member m = members.get(key.pid());
    if (m == null) {
      synchronized (this) {
        m = departed.get(key.pid());
      }
    }
    if (m == null) { // a JVM gone long ago, whose last counts are drained only now
      return new Labels("java", key.pool() == SeriesKey.BY_COMM ? rules.label(key.process())
          : PoolIds.OTHER);
    }
    return new Labels(m.name, m.pools.labelOf(key, m.poolByKey));
  }

  @Override
  public String nameOf(int pid, int tid, String comm) {
    return comm; // slow calls come by the thousand: no round trip to the JVM for each
  }

  /** Asked of its JVM, never waited for: a JVM that does not answer holds up no scan. */
  @Override
  public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
    StuckThread byComm = new StuckThread(comm, List.of());
    Member m = members.get(pid);
    if (m == null) {
      return CompletableFuture.completedFuture(byComm);
    }
    return m.link.stack(tid, comm)
        .completeOnTimeout(null, STACK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .handle((t, e) -> t != null ? t : byComm);
  }
}
