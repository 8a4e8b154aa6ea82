package io.syscallexporter.collect;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/** A KernelSource whose maps the test fills in. */
public final class FakeKernel implements KernelSource {
  /** What the programs count under the current generation. */
  public final List<HistogramEntry> histograms = new ArrayList<>();
  /** What they counted under the one before, until it is drained. */
  private final List<HistogramEntry> previous = new ArrayList<>();
  private int generation;
  public long labelSetsCreated;
  public int maxEntries = 100;
  public long slowEventPollErrors;
  /** What the kernel's scan reports: calls past their timeout that count. */
  public final List<StuckCall> stuck = new ArrayList<>();
  /** Paths by "pid/fd". */
  public final Map<String, String> fdPaths = new HashMap<>();
  public long threadsInSyscall;
  /** Whether the kernel can find calls that began before the programs saw them. */
  public boolean seeding = true;
  public int fdPathLookups;
  public final long[] errors = new long[4];
  /** Processes joined, and how many may join. */
  public final Set<Integer> joined = new HashSet<>();
  public int maxJoined = 256;

  @Override
  public boolean join(int pid) {
    if (!joined.contains(pid) && joined.size() >= maxJoined) {
      return false;
    }
    joined.add(pid);
    return true;
  }

  @Override
  public void leave(int pid) {
    joined.remove(pid);
    named.remove(pid);
  }

  @Override
  public boolean stillJoined(int pid) {
    return joined.contains(pid);
  }

  /** Cookies of the processes allowed to register trace context records, by pid. */
  public final Map<Integer, Long> contextCookies = new HashMap<>();

  @Override
  public boolean allowTraceContexts(int pid, long cookie) {
    if (!contextCookies.containsKey(pid) && contextCookies.size() > maxJoined) {
      return false;
    }
    contextCookies.put(pid, cookie);
    return true;
  }

  @Override
  public void forgetTraceContexts(int pid) {
    contextCookies.remove(pid);
  }

  /** Trace contexts of stuck calls, by "tid/start". */
  public final Map<String, TraceContext> stuckContexts = new HashMap<>();
  public int contextReads;

  @Override
  public TraceContext traceContext(int pid, int tid, long startNanos) {
    contextReads++;
    return stuckContexts.getOrDefault(tid + "/" + startNanos, TraceContext.NONE);
  }

  /** Pool ids the exporter gave threads, by process and tid. */
  public final Map<Integer, Map<Integer, Integer>> named = new HashMap<>();

  @Override
  public void nameThreads(int pid, Map<Integer, Integer> poolByTid) {
    Map<Integer, Integer> threads = named.computeIfAbsent(pid, p -> new HashMap<>());
    threads.putAll(poolByTid);
    threads.values().removeIf(id -> id == 0);
  }

  @Override
  public int switchGeneration() {
    previous.addAll(histograms);
    histograms.clear();
    generation = 1 - generation;
    return 1 - generation;
  }

  @Override
  public Histograms readHistograms(int drained) {
    List<HistogramEntry> live = new ArrayList<>(histograms);
    if (drained == 1 - generation) {
      List<HistogramEntry> taken = List.copyOf(previous);
      previous.clear();
      return new Histograms(taken, live);
    }
    live.addAll(previous);
    return new Histograms(List.of(), live);
  }

  @Override
  public long labelSetsCreated() {
    return labelSetsCreated;
  }

  @Override
  public long slowEventPollErrors() {
    return slowEventPollErrors;
  }

  @Override
  public InflightScan scanInflight() {
    return new InflightScan(List.copyOf(stuck), threadsInSyscall, seeding);
  }

  @Override
  public Optional<String> fdPath(int pid, int tid, long fd) {
    fdPathLookups++;
    return Optional.ofNullable(fdPaths.get(pid + "/" + fd));
  }

  @Override
  public long[] errors() {
    return errors.clone();
  }

  @Override
  public MapFill fill(String map) {
    return map.equals("hist") ? new MapFill(histograms.size() + previous.size(), maxEntries)
        : new MapFill((int) threadsInSyscall, 0);
  }

  @Override
  public int attachedPrograms() {
    return 3;
  }

  @Override
  public List<ProgramStats> programStats() {
    return List.of();
  }

  @Override
  public void onSlowEvent(Consumer<SlowEvent> consumer) {}

  /** A histogram with {@code count} calls of {@code nanos} each. */
  public static HistogramEntry entry(String process, int nr, long nanos, long count) {
    long[] buckets = new long[LatencyBuckets.COUNT];
    buckets[bucketOf(nanos)] = count;
    return new HistogramEntry(new SeriesKey(process, 0, nr), nanos * count, 0, buckets);
  }

  /** The kernel bucket a latency falls in, as the BPF program computes it. */
  public static int bucketOf(long nanos) {
    for (int k = 0; k < LatencyBuckets.COUNT - 1; k++) {
      if (nanos <= LatencyBuckets.upperBoundNanos(k)) {
        return k;
      }
    }
    return LatencyBuckets.OVERFLOW;
  }
}
