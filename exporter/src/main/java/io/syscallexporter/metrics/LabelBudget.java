package io.syscallexporter.metrics;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.process.CgroupPaths;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Turns kernel series keys into exported labels, within a bound on the label sets held at once.
 * A key keeps the label set it was first given for as long as that label set is in use; one
 * idle past {@code --labels.idle-timeout} is released with its keys, which makes room for new
 * ones. While {@code --labels.limit} label sets of their own are held, new keys are summed per
 * syscall into {@code process="_other"} ({@code thread="_other"} in agent mode). A key never
 * moves while it is held, so nothing moves between series and no counter goes backwards; a key
 * idle past the timeout is forgotten even while its label set is in use (many short-lived
 * processes or threads summed into one). Keys remembered are bounded too ({@link #maxKeys}):
 * past that, a new key is summed into {@code _other} without being remembered (a process that
 * renames itself in a loop makes a key a name).
 */
@Singleton
public final class LabelBudget {
  public static final String OTHER = "_other";
  /** Keys remembered per label set of {@code --labels.limit} (pools share one), or this many. */
  static final int KEYS_PER_LABEL_SET = 4;
  static final int MIN_KEYS = 16_384;

  private final SyscallTable syscalls;
  private final boolean perPid;
  private final CgroupPaths cgroups;
  private final ThreadNames threads;
  private final int limit;
  /** Keys may wait this many at once for their names: a few hundred kilobytes at most. */
  static final int MAX_WAITING = 4096;

  private final Map<SeriesKey, Held> assigned = new HashMap<>();
  /** Keys whose names are not known yet, with when they were first asked (monotonic ns). */
  private final Map<SeriesKey, Long> waitingSince = new HashMap<>();
  /** Label sets held, with when they were last used (monotonic ns). */
  private final Map<LabelSet, Long> lastUsed = new HashMap<>();
  private int ownHeld;
  private int keysInOther;
  private long keysNotHeld;

  /** A key's label set and when the key was last used (monotonic ns). */
  private static final class Held {
    final LabelSet labels;
    long lastUsed;

    Held(LabelSet labels) {
      this.labels = labels;
    }
  }

  @Inject
  public LabelBudget(SyscallTable syscalls, ExporterConfig config, CgroupPaths cgroups,
      ThreadNames threads) {
    this(syscalls, config.perPidLabels(), config.cgroupLabels() ? cgroups : null, threads,
        config.labelLimit());
  }

  /** {@code cgroups} null: no cgroup label. */
  public LabelBudget(SyscallTable syscalls, boolean perPid, CgroupPaths cgroups,
      ThreadNames threads, int limit) {
    this.syscalls = syscalls;
    this.perPid = perPid;
    this.cgroups = cgroups;
    this.threads = threads;
    this.limit = limit;
  }

  /**
   * The labels to export a kernel series under; using them keeps them held. Null while the
   * key's labels are not known yet ({@link ThreadNames#labelsOf}): its counts wait, and the
   * key is asked about again at the next use. {@code nowNanos}: taken after the kernel was
   * read.
   */
  public synchronized LabelSet labelsFor(SeriesKey key, long nowNanos) {
    Held held = assigned.get(key);
    if (held == null) {
      LabelSet wanted = wanted(key, nowNanos);
      if (wanted == null) {
        return null;
      }
      if (assigned.size() >= maxKeys()) {
        keysNotHeld++;
        LabelSet other = other(wanted);
        lastUsed.put(other, nowNanos);
        return other;
      }
      held = new Held(assign(wanted));
      assigned.put(key, held);
    }
    held.lastUsed = nowNanos;
    lastUsed.put(held.labels, nowNanos);
    return held.labels;
  }

  private LabelSet assign(LabelSet wanted) {
    if (lastUsed.containsKey(wanted) || ownHeld < limit) {
      if (!lastUsed.containsKey(wanted)) {
        ownHeld++;
      }
      return wanted;
    }
    keysInOther++;
    return other(wanted);
  }

  /**
   * The label set a key would have of its own; null while its names are not known yet. A key
   * waits from its first ask ({@code nowNanos}: taken after its counts were read from the
   * kernel); past {@link #MAX_WAITING} keys waiting, new ones wait no more.
   */
  private LabelSet wanted(SeriesKey key, long nowNanos) {
    // A JVM measured by pool: the key carries the thread's pool as the kernel sees it.
    Long since = waitingSince.get(key);
    long seen = since != null ? since
        : waitingSince.size() >= MAX_WAITING ? ThreadNames.BEST_NOW : nowNanos;
    ThreadNames.Labels names = threads.labelsOf(key, seen);
    if (names == null) {
      waitingSince.putIfAbsent(key, nowNanos);
      return null;
    }
    waitingSince.remove(key);
    return new LabelSet(syscalls.name(key.nr()), names.process(),
        perPid ? Integer.toUnsignedString(key.pid()) : null,
        cgroups != null ? cgroups.path(key.cgroup()) : null, names.thread());
  }

  /** The {@code _other} label set a key's is summed into: its process's, or its JVM's pools'. */
  private LabelSet other(LabelSet wanted) {
    boolean byPool = wanted.thread() != null;
    return new LabelSet(wanted.syscall(), byPool ? wanted.process() : OTHER,
        perPid ? OTHER : null, cgroups != null ? OTHER : null, byPool ? OTHER : null);
  }

  /**
   * Sums per exported label set: several keys may share one (a pool, _other). Using a label set
   * keeps it held, so a series with a value keeps its labels. A key whose labels are not known
   * yet is left out until they are.
   */
  public synchronized Map<LabelSet, Double> sumByLabels(Map<SeriesKey, ? extends Number> values,
      long nowNanos) {
    Map<LabelSet, Double> out = new HashMap<>();
    values.forEach((key, n) -> {
      LabelSet labels = labelsFor(key, nowNanos);
      if (labels != null) {
        out.merge(labels, n.doubleValue(), Double::sum);
      }
    });
    return out;
  }

  /**
   * Forgets the labels given to the keys of process {@code pid} by thread pool: a JVM that
   * joins again gives its pool ids anew. Their label sets stay, with their counts.
   */
  public synchronized void forgetPools(int pid) {
    assigned.entrySet().removeIf(e -> {
      boolean forget = e.getKey().poolOf(pid);
      if (forget && isOther(e.getValue().labels)) {
        keysInOther--;
      }
      return forget;
    });
  }

  /** Whether this exporter leaves the key's series out: see {@link ThreadNames#servedElsewhere}. */
  public boolean servedElsewhere(SeriesKey key) {
    return threads.servedElsewhere(key);
  }

  /** Whether the key's series are a joined JVM's: see {@link ThreadNames#ofJoinedJvm}. */
  public boolean ofJoinedJvm(SeriesKey key) {
    return threads.ofJoinedJvm(key);
  }

  /** Releases the label sets unused for longer than {@code idleNanos}, and returns them. */
  public synchronized List<LabelSet> releaseIdle(long nowNanos, long idleNanos) {
    List<LabelSet> released = new ArrayList<>();
    for (Iterator<Map.Entry<LabelSet, Long>> it = lastUsed.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<LabelSet, Long> e = it.next();
      if (nowNanos - e.getValue() > idleNanos) {
        released.add(e.getKey());
        it.remove();
        if (!isOther(e.getKey())) {
          ownHeld--;
        }
      }
    }
    // A key that waited and was never asked about again (its counts went with a JVM).
    waitingSince.values().removeIf(since -> nowNanos - since > idleNanos);
    // A label set is used whenever one of its keys is: a released one has no key left.
    for (Iterator<Held> it = assigned.values().iterator(); it.hasNext(); ) {
      Held h = it.next();
      if (nowNanos - h.lastUsed > idleNanos) {
        it.remove();
        if (isOther(h.labels)) {
          keysInOther--;
        }
      }
    }
    return released;
  }

  private static boolean isOther(LabelSet l) {
    return OTHER.equals(l.process()) || OTHER.equals(l.thread());
  }

  /** The most kernel series keys remembered at once: a few megabytes. */
  int maxKeys() {
    return Math.max(MIN_KEYS, limit * KEYS_PER_LABEL_SET);
  }

  /** Kernel series keys remembered now. */
  public synchronized int keys() {
    return assigned.size();
  }

  /** Label sets held now, {@code _other} ones included. */
  public synchronized int held() {
    return lastUsed.size();
  }

  /** Distinct kernel series summed into {@code _other} now. */
  public synchronized int overLimit() {
    return keysInOther;
  }

  /** Kernel series summed into {@code _other} without being remembered: past the key bound. */
  public synchronized long keysNotHeld() {
    return keysNotHeld;
  }
}
