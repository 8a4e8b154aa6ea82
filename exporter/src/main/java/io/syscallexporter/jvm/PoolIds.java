package io.syscallexporter.jvm;

import io.syscallexporter.collect.SeriesKey;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The thread pools of one JVM, as the kernel keys its threads: each named thread carries its
 * pool's id in its task storage, given here from its full Java name, so two pools whose names
 * share their first 15 bytes stay apart, and a thread is never labelled by another's name. A
 * thread not named yet (its first seconds) is keyed by its comm's pool, and labelled by the
 * same rules. Ids are never reused while the JVM lives (its histograms in the kernel keep
 * them); labels past {@link #MAX_POOLS} share the id of {@code _other}.
 */
public final class PoolIds {
  /** Thread pools one JVM may label; more (a pool per request thread, say) go to _other. */
  public static final int MAX_POOLS = 256;
  public static final String OTHER = "_other";
  /** Ids below are the kernel's: 0, not by pool; 1, by the comm. */
  static final int FIRST_ID = SeriesKey.FIRST_POOL_ID;
  /** Labels folded into _other are counted once as far as a filter of this many bits tells. */
  static final int FOLDED_BITS = 4096;
  /** How often {@link #update} gives the kernel every thread's id, not only the changes. */
  static final long FULL_EVERY_NANOS = 10_000_000_000L;

  private final ThreadPoolRules rules;
  private final Map<String, Integer> idByLabel = new HashMap<>();
  private final List<String> labelById = new ArrayList<>();
  /** What the kernel holds now: each named thread's pool id, by its tid in the JVM. */
  private Map<Integer, Integer> named = Map.of();
  /**
   * Hashes of the labels folded into _other, each counted once: a fixed filter, not the labels
   * (a JVM may send names without end; two that share a bit count once).
   */
  private final BitSet folded = new BitSet(FOLDED_BITS);
  private final Runnable onFolded;
  private final LongSupplier monotonicNanos;
  private long lastFull = Long.MIN_VALUE / 2;

  /** {@code onFolded}: called once for each label folded into {@code _other}. */
  public PoolIds(ThreadPoolRules rules, Runnable onFolded, LongSupplier monotonicNanos) {
    this.rules = rules;
    this.onFolded = onFolded;
    this.monotonicNanos = monotonicNanos;
  }

  /**
   * Takes the JVM's threads' full names, by tid in the JVM's own namespace, and returns what
   * the kernel must change: the new or changed ids (every 10 s, all of them), and 0 for a
   * thread named before and no longer listed.
   */
  public synchronized Map<Integer, Integer> update(Map<Integer, String> namesByTid) {
    Map<Integer, Integer> now = new HashMap<>();
    namesByTid.forEach((tid, name) -> now.put(tid, idOf(rules.label(name))));
    // Every so often all of it: a thread that ended and whose tid a new thread took has a
    // fresh storage, unnamed, which no change of name would show.
    long clock = monotonicNanos.getAsLong();
    boolean full = clock - lastFull >= FULL_EVERY_NANOS;
    if (full) {
      lastFull = clock;
    }
    Map<Integer, Integer> delta = new HashMap<>();
    now.forEach((tid, id) -> {
      if (full || !id.equals(named.get(tid))) {
        delta.put(tid, id);
      }
    });
    named.keySet().forEach(tid -> {
      if (!now.containsKey(tid)) {
        delta.put(tid, 0);
      }
    });
    named = now;
    return delta;
  }

  /**
   * The thread label of a key of this JVM (not a virtual thread pool's): its pool id's; or, for
   * a thread not named yet, the pool its comm stands for ({@code poolByKey}: the pool of the
   * live threads with that key), else the comm's own pool, by the same rules.
   */
  public synchronized String labelOf(SeriesKey key, Map<String, String> poolByKey) {
    if (key.pool() >= FIRST_ID) {
      int i = key.pool() - FIRST_ID;
      return i < labelById.size() ? labelById.get(i) : OTHER;
    }
    return labelOfPool(poolByKey.getOrDefault(key.process(), key.process()));
  }

  /**
   * The thread label of a pool as its JVM names it (a virtual thread pool's, or the pool a
   * comm stands for), by the same rules. It takes a place too, or a churn of names could grow
   * the labels without bound.
   */
  public synchronized String labelOfPool(String pool) {
    return labelById.get(idOf(rules.label(pool)) - FIRST_ID);
  }

  /** What its labels and its threads' ids take of the heap, about (2 bytes a character). */
  public synchronized long bytes() {
    long labels = labelById.stream().mapToLong(l -> 64 + 2L * l.length()).sum();
    return labels + 64L * named.size();
  }

  private int idOf(String label) {
    Integer id = idByLabel.get(label);
    if (id != null) {
      return id;
    }
    if (labelById.size() >= MAX_POOLS) {
      int bit = Math.floorMod(label.hashCode(), FOLDED_BITS);
      if (!folded.get(bit)) {
        folded.set(bit);
        onFolded.run();
      }
      label = OTHER;
      id = idByLabel.get(OTHER);
      if (id != null) {
        return id;
      }
    }
    labelById.add(label);
    id = FIRST_ID + labelById.size() - 1;
    idByLabel.put(label, id);
    return id;
  }
}
