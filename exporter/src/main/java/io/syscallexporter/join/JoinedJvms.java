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
import io.syscallexporter.metrics.SeriesText;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * The JVMs that joined this host exporter through the agent socket, and how threads are named
 * on a host: a joined JVM's series are labelled by its name and Java thread pool, every other
 * process's by its name. Identity is the kernel's: a JVM is the process on the other end of its
 * connection (its pid and uid, which the kernel vouches for), and describes only itself; a
 * name belongs to one user at a time, while a JVM of that user holds it and for a while after.
 */
@Singleton
public final class JoinedJvms implements ThreadNames {
  /**
   * How long a stuck thread's Java stack may take to come back from its JVM; the call is shown
   * and counted at once, and described by its comm if no answer comes by then.
   */
  static final long STACK_TIMEOUT_MILLIS = 2000;
  /** Names of JVMs gone, for their series still in the kernel until the next drains. */
  static final int DEPARTED_NAMES = 256;
  /** A name stays its user's this long after its last JVM left, so no one else takes it. */
  static final long NAME_HELD_NANOS = 600_000_000_000L;
  /** Names remembered with their users, the oldest forgotten first. */
  static final int NAME_OWNERS = 1024;
  /**
   * Heap the names one user's JVMs send may take here (their threads', their pools' and the
   * labels made of them), about; and all JVMs' together, within the exporter's 96 MiB heap
   * with room for its own work. A frame past either is refused; the JVM keeps what it had.
   */
  static final long NAME_BYTES_PER_UID = 4L << 20;
  static final long NAME_BYTES = 24L << 20;
  /**
   * How long a key's labels may wait for its JVM to say them: past the agent's heartbeat, by
   * which it says its pools whether they changed or not.
   */
  static final long NAMES_WAIT_NANOS = 12_000_000_000L;
  static final long NEVER = Long.MIN_VALUE;
  /**
   * A POOLS frame that comes this long after a key was first seen was made after the key's
   * calls: the agent looks at its threads, and says their pools, every second.
   */
  static final long POOLS_AFTER_NANOS = 1_500_000_000L;
  /** A CONTEXT frame's cookie: lowercase hex, as Long.toHexString writes it. */
  private static final Pattern COOKIE = Pattern.compile("[0-9a-f]{1,16}");

  private final KernelSource kernel;
  private final JoinStats stats;
  private final ThreadPoolRules rules;
  private final LongSupplier monotonicNanos;
  private final Map<Integer, Member> members = new ConcurrentHashMap<>();
  /** JVMs leaving: their pools label their last series while those are drained. */
  private final Map<Integer, Member> leaving = new ConcurrentHashMap<>();
  /** The exporter is stopping: its programs go with it, nothing to unmark. */
  private volatile boolean closing;
  private final Map<Integer, String> departed = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
      return size() > DEPARTED_NAMES;
    }
  };
  /** Each name's user, and when a JVM of it last held the name (monotonic ns). */
  private final Map<String, long[]> nameOwners = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, long[]> eldest) {
      return size() > NAME_OWNERS;
    }
  };
  private final Map<Integer, Long> nameBytesByUid = new HashMap<>();
  private long nameBytes;
  /** Told of each pid that joins or leaves, outside any lock here (it may drain). */
  private volatile IntConsumer membershipChanged = pid -> {};

  @Inject
  public JoinedJvms(KernelSource kernel, JoinStats stats, ThreadPoolRules rules) {
    this(kernel, stats, rules, System::nanoTime);
  }

  JoinedJvms(KernelSource kernel, JoinStats stats, ThreadPoolRules rules,
      LongSupplier monotonicNanos) {
    this.kernel = kernel;
    this.stats = stats;
    this.rules = rules;
    this.monotonicNanos = monotonicNanos;
  }

  /** What the exporter may ask of a joined JVM: its connection. */
  interface Link {
    /** Ends the connection: the JVM leaves. */
    void close();

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
    final int uid;
    final String name;
    final Link link;
    final PoolIds pools;
    /** The pool each comm key of its live threads stands for, as the agent last said. */
    volatile Map<String, String> poolByKey = Map.of();
    /** When it last said them (monotonic ns); {@link #NEVER}: it has not (not our agent). */
    volatile long poolsSaidAt = NEVER;
    /** The pool each index of its carriers' records stands for, as the agent last said. */
    volatile Map<Integer, String> virtualPools = Map.of();
    /** Its series are on its service's own endpoint: this exporter leaves them out. */
    volatile boolean elsewhere;
    /** It gave a trace context cookie: it reads the exemplars of its series too. */
    volatile boolean tracesContexts;
    /** What its names take of the heap, as counted against the budgets. */
    long nameBytes;

    Member(int pid, int uid, String name, Link link, PoolIds pools) {
      this.pid = pid;
      this.uid = uid;
      this.name = name;
      this.link = link;
      this.pools = pools;
    }
  }

  /**
   * Calls {@code action} with the pid of each JVM that joins or leaves, after its threads are
   * marked or unmarked: the exporter drains what the kernel counted under its pool ids then,
   * and forgets the labels of those ids, which the next join gives again.
   */
  public void onMembershipChange(IntConsumer action) {
    membershipChanged = action;
  }

  /**
   * Joins process {@code pid} of user {@code uid} under {@code name}; null with the reason
   * when it cannot: a process joins once, a name another user holds is refused, and the kernel
   * has room for {@code MAX_JOINED_JVMS}.
   */
  Member join(int pid, int uid, String name, Link link, StringBuilder whyNot) {
    Member m = joinLocked(pid, uid, name, link, whyNot);
    if (m != null) {
      membershipChanged.accept(pid);
    }
    return m;
  }

  private synchronized Member joinLocked(int pid, int uid, String name, Link link,
      StringBuilder whyNot) {
    if (members.containsKey(pid)) {
      whyNot.append("process ").append(pid).append(" has joined already");
      return null;
    }
    long now = System.nanoTime();
    // A JVM holding the name says whose it is, however many names were seen since.
    Member holder = members.values().stream().filter(o -> o.name.equals(name)).findAny()
        .orElse(null);
    long[] owner = holder != null ? new long[] {holder.uid, now} : nameOwners.get(name);
    if (owner != null && owner[0] != uid && now - owner[1] < NAME_HELD_NANOS) {
      whyNot.append("the name ").append(name).append(" is held by another user's JVM");
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
    Member m = new Member(pid, uid, name, link,
        new PoolIds(rules, stats::poolOverLimit, monotonicNanos));
    members.put(pid, m);
    nameOwners.put(name, new long[] {uid, now});
    stats.joined();
    Log.info("JVM joined", "pid", pid, "uid", uid, "name", name);
    return m;
  }

  /** The JVM has gone, or its connection has: its threads count under its comm again. */
  void leave(Member m) {
    synchronized (this) {
      if (!members.remove(m.pid, m)) {
        return;
      }
      leaving.put(m.pid, m);
      nameOwners.put(m.name, new long[] {m.uid, System.nanoTime()});
      budget(m, 0);
      if (!closing) {
        try {
          kernel.forgetTraceContexts(m.pid);
          kernel.leave(m.pid);
        } catch (RuntimeException e) {
          Log.warn("cannot unmark a departed JVM's threads", "pid", m.pid,
              "err", e.getMessage());
        }
      }
    }
    if (!closing) {
      membershipChanged.accept(m.pid); // its last series drained while its pools label them
      Log.info("JVM left", "pid", m.pid, "name", m.name);
    }
    synchronized (this) {
      departed.put(m.pid, m.name);
      leaving.remove(m.pid, m);
    }
  }

  /**
   * Ends the connection of each JVM the kernel no longer counts as joined: it has exec'd
   * another program, which is not that JVM and may not speak for it.
   */
  public void dropExeced() {
    for (Member m : members.values()) {
      if (!kernel.stillJoined(m.pid)) {
        Log.info("a joined JVM exec'd another program: it leaves", "pid", m.pid,
            "name", m.name);
        m.link.close();
      }
    }
  }

  /**
   * The JVM's threads' full names, by tid in the JVM's own pid namespace: the kernel keys each
   * by its pool from now on. False, and nothing changes, past the name budgets.
   */
  synchronized boolean named(Member m, Map<Integer, String> namesByTid) {
    if (members.get(m.pid) != m) {
      return true; // gone meanwhile: its threads are plain again
    }
    // The labels made of these names take no more than the names themselves.
    if (!budget(m, m.pools.bytes() + bytes(namesByTid) + namesHeld(m))) {
      return false;
    }
    Map<Integer, Integer> changed = m.pools.update(namesByTid);
    if (!changed.isEmpty()) {
      kernel.nameThreads(m.pid, changed);
    }
    budget(m, m.pools.bytes() + namesHeld(m)); // what it keeps: never more
    return true;
  }

  /**
   * The pool each comm key of the JVM's live threads stands for, as its agent says. False,
   * and the JVM keeps what it had, past the name budgets.
   */
  synchronized boolean pools(Member m, Map<String, String> poolByKey) {
    if (members.get(m.pid) != m) {
      return true;
    }
    if (!budget(m, m.pools.bytes() + bytes(poolByKey) + bytes(m.virtualPools))) {
      return false;
    }
    m.poolByKey = poolByKey;
    m.poolsSaidAt = monotonicNanos.getAsLong();
    return true;
  }

  /**
   * The pool each index of the JVM's carrier records stands for, as its agent says: the labels
   * of its virtual threads' calls. False, and the JVM keeps what it had, past the budgets.
   */
  synchronized boolean virtualPools(Member m, Map<Integer, String> poolByIndex) {
    if (members.get(m.pid) != m) {
      return true;
    }
    if (!budget(m, m.pools.bytes() + bytes(m.poolByKey) + bytes(poolByIndex))) {
      return false;
    }
    m.virtualPools = poolByIndex;
    return true;
  }

  /** What a JVM's said pools take, besides its pool ids'. */
  private static long namesHeld(Member m) {
    return bytes(m.poolByKey) + bytes(m.virtualPools);
  }

  /** Moves a JVM's count to {@code bytes} if its user's and the total budget allow it. */
  private boolean budget(Member m, long bytes) {
    long delta = bytes - m.nameBytes;
    long ofUid = nameBytesByUid.getOrDefault(m.uid, 0L);
    if (delta > 0 && (ofUid + delta > NAME_BYTES_PER_UID || nameBytes + delta > NAME_BYTES)) {
      return false;
    }
    if (ofUid + delta == 0) {
      nameBytesByUid.remove(m.uid);
    } else {
      nameBytesByUid.put(m.uid, ofUid + delta);
    }
    nameBytes += delta;
    m.nameBytes = bytes;
    return true;
  }

  /** About what a map of names takes of the heap: 2 bytes a character, 64 an entry. */
  static long bytes(Map<?, String> names) {
    long n = 0;
    for (Map.Entry<?, String> e : names.entrySet()) {
      n += 64 + 2L * e.getValue().length()
          + (e.getKey() instanceof String key ? 2L * key.length() : 0);
    }
    return n;
  }

  /** Names of joined JVMs held now, about, in bytes (all within {@link #NAME_BYTES}). */
  synchronized long nameBytes() {
    return nameBytes;
  }

  /** The exporter stops: the JVMs' connections close, their programs with it. */
  void closing() {
    closing = true;
  }

  /**
   * Sends each joined JVM its own series, for its agent to publish over JMX: those its own
   * threads counted ({@code seriesOf} its pid), not those of another JVM of the same name.
   */
  public void publish(IntFunction<JmxPublisher.Source> seriesOf) {
    for (Member m : members.values()) {
      JmxPublisher.Source own = seriesOf.apply(m.pid);
      // Queued: never blocks.
      // Exemplars only to an agent that reads them: one that gave a trace context cookie.
      m.link.metrics(SeriesText.encode(own.totals(), own.timedOut(),
          m.tracesContexts ? own.exemplars() : null, m.name));
    }
  }

  /**
   * The JVM says whether its series are served by its service's own endpoint now ("1") or no
   * longer ("0"): while they are, they leave this exporter's from the next drain (what they
   * counted so far stays, as counters never go back). Anything else is malformed.
   */
  boolean servedElsewhere(Member m, String said) throws Frames.MalformedException {
    boolean served = switch (said) {
      case "1" -> true;
      case "0" -> false;
      default -> throw new Frames.MalformedException("ELSEWHERE is 1 or 0");
    };
    if (served != m.elsewhere) {
      m.elsewhere = served;
      Log.info(served ? "a joined JVM's series are on its service's own endpoint: left out here"
          : "a joined JVM's series are no longer on its service's endpoint: back here", "pid",
          m.pid, "name", m.name);
    }
    return true;
  }

  /**
   * The JVM gives the cookie its threads register their trace context records with (hex, 16
   * digits at most, not 0): the kernel takes its threads' registrations from now on, and
   * reads their records for their slow and stuck calls, never another process's. Anything else
   * is malformed. False when the kernel has no room.
   */
  boolean traceContexts(Member m, String cookieHex) throws Frames.MalformedException {
    long cookie = COOKIE.matcher(cookieHex).matches() ? Long.parseUnsignedLong(cookieHex, 16)
        : 0;
    if (cookie == 0) {
      throw new Frames.MalformedException("CONTEXT is a cookie of 1 to 16 hex digits, not 0");
    }
    m.tracesContexts = true;
    return kernel.allowTraceContexts(m.pid, cookie);
  }

  @Override
  public boolean servedElsewhere(SeriesKey key) {
    Member m = memberOf(key);
    return m != null && m.elsewhere;
  }

  @Override
  public boolean ofJoinedJvm(SeriesKey key) {
    return memberOf(key) != null;
  }

  /** The joined (or leaving) JVM whose pool the key is, or null. */
  private Member memberOf(SeriesKey key) {
    if (!key.byPool()) {
      return null;
    }
    Member m = members.get(key.pid());
    return m != null ? m : leaving.get(key.pid());
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

  /**
   * A joined JVM's key waits until its agent has said what it stands for: a virtual thread
   * pool's index until it sends that index's name; a thread keyed by its comm (not named yet)
   * until a POOLS frame made after its calls, which lists every live thread's key, or says by
   * leaving it out that no live thread has it (the thread ended or was renamed: then its comm
   * is all there is). At most {@link #NAMES_WAIT_NANOS}; not at all for a client that has
   * never said its pools.
   */
  @Override
  public Labels labelsOf(SeriesKey key, long seenNanos) {
    if (!key.byPool()) {
      return new Labels(key.process(), null);
    }
    Member m = memberOf(key);
    if (m == null) { // a JVM gone, whose last counts come only now: its name, no pool ids
      String name;
      synchronized (this) {
        name = departed.getOrDefault(key.pid(), "java");
      }
      return new Labels(name, key.pool() == SeriesKey.BY_COMM ? rules.label(key.process())
          : PoolIds.OTHER);
    }
    // A client that never says its pools (not our agent) would only make its counts late.
    boolean waited = seenNanos == BEST_NOW || m.poolsSaidAt == NEVER
        || monotonicNanos.getAsLong() - seenNanos >= NAMES_WAIT_NANOS;
    if (key.virtual()) {
      // Index 0: the kernel could not read the carrier's record, which no name will say.
      String pool = key.virtualIndex() == 0 ? PoolIds.OTHER
          : m.virtualPools.get(key.virtualIndex());
      if (pool == null && !waited) {
        return null;
      }
      return new Labels(m.name, m.pools.labelOfPool(pool != null ? pool : PoolIds.OTHER));
    }
    if (key.pool() == SeriesKey.BY_COMM && !m.poolByKey.containsKey(key.process()) && !waited
        && m.poolsSaidAt - seenNanos < POOLS_AFTER_NANOS) {
      return null;
    }
    return new Labels(m.name, m.pools.labelOf(key, m.poolByKey));
  }

  @Override
  public String nameOf(int pid, int tid, String comm) {
    return comm; // slow calls come by the thousand: no round trip to the JVM for each
  }

  /**
   * Asked of its JVM, never waited for: a JVM that does not answer holds up no scan. Null for a
   * process not joined: it may be a JVM that has yet to join (again).
   */
  @Override
  public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
    Member m = members.get(pid);
    if (m == null) {
      return CompletableFuture.completedFuture(null);
    }
    StuckThread byComm = new StuckThread(comm, List.of());
    return m.link.stack(tid, comm)
        .completeOnTimeout(null, STACK_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .handle((t, e) -> t != null ? t : byComm);
  }
}
