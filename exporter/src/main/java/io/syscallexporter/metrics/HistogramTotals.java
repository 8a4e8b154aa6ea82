package io.syscallexporter.metrics;

import com.google.inject.Inject;
import com.google.inject.Singleton;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.config.ExporterConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The running totals of every exported latency histogram. The kernel holds only what changed
 * since the last drain; a drain moves it here, so the kernel map needs room only for the label
 * sets active within about one drain period, not for all ever seen. Label sets idle past
 * {@code --labels.idle-timeout} are dropped, with their budget.
 *
 * <p>No increment is lost: the programs write under one generation while the other is drained,
 * and a generation is read and removed only once no program can still be adding to it.
 * Exported values never go backwards: a scrape adds what the kernel holds now to the totals,
 * and a drain moves exactly that into them, both under one lock.
 */
@Singleton
public final class HistogramTotals {
  /** A storm of new label sets drains early once it has created this share of the map. */
  static final int EARLY_DRAIN_SHARE = 4;

  private final KernelSource kernel;
  private final LabelBudget budget;
  private final LongSupplier monotonicNanos;
  private final long intervalNanos;
  private final long idleNanos;
  /** A storm drains early once it has created this many kernel entries since the last drain. */
  private final long earlyDrainEntries;
  private final Object drainLock = new Object();
  private final Map<LabelSet, Totals> committed = new HashMap<>();
  /**
   * The same totals of each JVM that joined, apart: what is sent to that JVM is its own, not
   * everything under its name. None elsewhere (an agent's own JVM has only its own).
   */
  private final Map<Integer, Map<LabelSet, Totals>> byJvm = new HashMap<>();
  /**
   * Drained counts of keys whose labels are not known yet (a thread pool its JVM has yet to
   * name): committed at a later drain, when they are. Never shown before: no counter goes back.
   */
  private final Map<SeriesKey, Totals> waiting = new HashMap<>();
  private long lastDrainNanos;
  private long createdAtLastDrain;
  private volatile long drains;
  private volatile long lastDrainTookNanos;
  private volatile long released;

  @Inject
  public HistogramTotals(KernelSource kernel, LabelBudget budget, ExporterConfig config) {
    this(kernel, budget, config, System::nanoTime);
  }

  public HistogramTotals(KernelSource kernel, LabelBudget budget, ExporterConfig config,
      LongSupplier monotonicNanos) {
    this.kernel = kernel;
    this.budget = budget;
    this.monotonicNanos = monotonicNanos;
    this.intervalNanos = config.drainInterval().toNanos();
    this.idleNanos = config.labelIdleTimeout().toNanos();
    this.earlyDrainEntries = kernel.fill("hist").maxEntries() / EARLY_DRAIN_SHARE;
    this.lastDrainNanos = monotonicNanos.getAsLong();
  }

  /**
   * Drains when one is due: every {@code --drain.interval}, or sooner when the label sets the
   * kernel created since the last drain fill a quarter of its map. Cheap when none is: one map
   * read.
   */
  public void drainIfDue() {
    long created = kernel.labelSetsCreated();
    long now = monotonicNanos.getAsLong();
    if (now - lastDrainNanos >= intervalNanos
        || created - createdAtLastDrain >= earlyDrainEntries) {
      createdAtLastDrain = created;
      lastDrainNanos = now;
      drain();
    }
  }

  /** Moves what the kernel counted since the last drain into the totals; drops idle ones. */
  public void drain() {
    synchronized (drainLock) {
      drainLocked();
    }
  }

  /**
   * A JVM joined or left: what the kernel counted under its pool ids moves into the totals
   * while the ids still mean what they meant, and their labels are forgotten, for a next join
   * gives ids anew. Nothing is counted under another pool's name. Its own totals start again
   * (the host's series go on): the pid may be another process's next.
   */
  public void endPoolIds(int pid) {
    synchronized (drainLock) {
      drainLocked();
      budget.forgetPools(pid);
      synchronized (this) {
        byJvm.remove(pid);
      }
    }
  }

  private void drainLocked() {
    long began = System.nanoTime();
    // Outside the lock below: it waits for the programs, and scrapes go on meanwhile.
    int generation = kernel.switchGeneration();
    synchronized (this) {
      List<HistogramEntry> drained = kernel.readHistograms(generation).drained();
      long now = monotonicNanos.getAsLong(); // after the read: what is said from now covers it
      for (HistogramEntry e : drained) {
        Totals waits = waiting.get(e.key());
        LabelSet labels = waits != null ? null : budget.labelsFor(e.key(), now);
        if (labels == null) {
          waiting.computeIfAbsent(e.key(), k -> new Totals()).add(e);
        } else {
          commit(e.key(), labels).forEach(t -> t.add(e));
        }
      }
      for (Iterator<Map.Entry<SeriesKey, Totals>> it = waiting.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<SeriesKey, Totals> e = it.next();
        LabelSet labels = budget.labelsFor(e.getKey(), now);
        if (labels != null) { // else asked again at the next drain
          it.remove();
          commit(e.getKey(), labels).forEach(t -> t.add(e.getValue()));
        }
      }
      for (LabelSet idle : budget.releaseIdle(now, idleNanos)) {
        committed.remove(idle);
        byJvm.values().forEach(own -> own.remove(idle));
        released++;
      }
      byJvm.values().removeIf(Map::isEmpty);
      drains++;
    }
    lastDrainTookNanos = System.nanoTime() - began;
  }

  /** The totals a key's drained counts go into: its label set's, and its JVM's own. */
  private List<Totals> commit(SeriesKey key, LabelSet labels) {
    List<Totals> into = new ArrayList<>(2);
    if (!budget.servedElsewhere(key)) {
      into.add(committed.computeIfAbsent(labels, l -> new Totals()));
    }
    if (budget.ofJoinedJvm(key)) {
      into.add(byJvm.computeIfAbsent(key.pid(), pid -> new HashMap<>())
          .computeIfAbsent(labels, l -> new Totals()));
    }
    return into;
  }

  /**
   * Calls {@code action} with every label set's totals as of now: the running totals plus what
   * the kernel has counted since the last drain, without the series served elsewhere. The
   * totals passed are only valid during the call.
   */
  public synchronized void forEach(BiConsumer<LabelSet, Totals> action) {
    List<HistogramEntry> read = kernel.readHistograms(KernelSource.NO_GENERATION).live();
    long now = monotonicNanos.getAsLong();
    Map<LabelSet, Totals> live = new HashMap<>();
    for (HistogramEntry e : read) {
      LabelSet labels = budget.servedElsewhere(e.key()) ? null : budget.labelsFor(e.key(), now);
      if (labels != null) { // not known yet: shown once they are
        live.computeIfAbsent(labels, l -> new Totals()).add(e);
      }
    }
    committed.forEach((labels, t) -> {
      Totals recent = live.remove(labels);
      action.accept(labels, recent == null ? t : t.plus(recent));
    });
    live.forEach(action);
  }

  /**
   * Calls {@code action} with the totals, as of the last drain, of the label sets joined JVM
   * {@code pid} counted in, its own counts only (not those of other processes under the same
   * labels). The totals passed are only valid during the call.
   */
  public synchronized void forEachDrainedOf(int pid, BiConsumer<LabelSet, Totals> action) {
    byJvm.getOrDefault(pid, Map.of()).forEach(action);
  }

  public long drains() {
    return drains;
  }

  /** How long the last drain took, waiting for running programs included. */
  public double lastDrainSeconds() {
    return lastDrainTookNanos / 1e9;
  }

  /** Label sets dropped for being idle past the idle timeout. */
  public long released() {
    return released;
  }
}
