package io.syscallexporter.metrics;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.HashSet;
import java.util.Set;

/**
 * Turns kernel series keys into exported labels, within a bound on the number of series. The
 * first {@code --labels.limit} label sets seen are exported as they are for as long as the
 * exporter runs; later ones are summed per syscall into {@code process="_other"}. Admission is
 * permanent, so no counter moves between series and none goes backwards.
 */
@Singleton
public final class LabelBudget {
  public static final String OTHER = "_other";

  private final SyscallTable syscalls;
  private final boolean perPid;
  private final int limit;
  private final Set<LabelSet> admitted = new HashSet<>();
  private final Set<LabelSet> overLimit = new HashSet<>();

  @Inject
  public LabelBudget(SyscallTable syscalls, ExporterConfig config) {
    this(syscalls, config.perPidLabels(), config.labelLimit());
  }

  public LabelBudget(SyscallTable syscalls, boolean perPid, int limit) {
    this.syscalls = syscalls;
    this.perPid = perPid;
    this.limit = limit;
  }

  /** The labels to export a kernel series under. */
  public synchronized LabelSet labelsFor(SeriesKey key) {
    LabelSet wanted = new LabelSet(syscalls.name(key.nr()), key.process(),
        perPid ? Integer.toUnsignedString(key.pid()) : null);
    if (admitted.contains(wanted)) {
      return wanted;
    }
    if (admitted.size() < limit && !overLimit.contains(wanted)) {
      admitted.add(wanted);
      return wanted;
    }
    overLimit.add(wanted);
    return new LabelSet(wanted.syscall(), OTHER, perPid ? OTHER : null);
  }

  /** Distinct label sets summed into {@code _other} so far. */
  public synchronized int overLimit() {
    return overLimit.size();
  }
}
