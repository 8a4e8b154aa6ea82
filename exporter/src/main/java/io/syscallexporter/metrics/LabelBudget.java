package io.syscallexporter.metrics;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.collect.SeriesKey;
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
 * syscall into {@code process="_other"}. A key never moves while it is held, so nothing moves
 * between series and no counter goes backwards.
 */
@Singleton
public final class LabelBudget {
  public static final String OTHER = "_other";

  private final SyscallTable syscalls;
  private final boolean perPid;
  private final CgroupPaths cgroups;
  private final int limit;
  private final Map<SeriesKey, LabelSet> assigned = new HashMap<>();
  /** Label sets held, with when they were last used (monotonic ns). */
  private final Map<LabelSet, Long> lastUsed = new HashMap<>();
  private int ownHeld;
  private int keysInOther;

  @Inject
  public LabelBudget(SyscallTable syscalls, ExporterConfig config, CgroupPaths cgroups) {
    this(syscalls, config.perPidLabels(), config.cgroupLabels() ? cgroups : null,
        config.labelLimit());
  }

  public LabelBudget(SyscallTable syscalls, boolean perPid, int limit) {
    this(syscalls, perPid, null, limit);
  }

  /** {@code cgroups} null: no cgroup label. */
  public LabelBudget(SyscallTable syscalls, boolean perPid, CgroupPaths cgroups, int limit) {
    this.syscalls = syscalls;
    this.perPid = perPid;
    this.cgroups = cgroups;
    this.limit = limit;
  }

  /** The labels to export a kernel series under; using them keeps them held. */
  public synchronized LabelSet labelsFor(SeriesKey key, long nowNanos) {
    LabelSet labels = assigned.get(key);
    if (labels == null) {
      LabelSet wanted = new LabelSet(syscalls.name(key.nr()), key.process(),
          perPid ? Integer.toUnsignedString(key.pid()) : null,
          cgroups != null ? cgroups.path(key.cgroup()) : null);
      if (lastUsed.containsKey(wanted) || ownHeld < limit) {
        labels = wanted;
        if (!lastUsed.containsKey(wanted)) {
          ownHeld++;
        }
      } else {
        labels = new LabelSet(wanted.syscall(), OTHER, perPid ? OTHER : null,
            cgroups != null ? OTHER : null);
        keysInOther++;
      }
      assigned.put(key, labels);
    }
    lastUsed.put(labels, nowNanos);
    return labels;
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
    if (!released.isEmpty()) {
      for (Iterator<LabelSet> it = assigned.values().iterator(); it.hasNext(); ) {
        LabelSet l = it.next();
        if (!lastUsed.containsKey(l)) {
          it.remove();
          if (isOther(l)) {
            keysInOther--;
          }
        }
      }
    }
    return released;
  }

  private static boolean isOther(LabelSet l) {
    return OTHER.equals(l.process());
  }

  /** Label sets held now, {@code _other} ones included. */
  public synchronized int held() {
    return lastUsed.size();
  }

  /** Distinct kernel series summed into {@code _other} now. */
  public synchronized int overLimit() {
    return keysInOther;
  }
}
