package io.syscallexporter.collect;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** What the kernel side offers the exporter. The real one reads BPF maps; tests use fakes. */
public interface KernelSource {

  /** Read without removing any generation. */
  int NO_GENERATION = -1;

  /**
   * Points the programs at the next histogram generation, waits until no program can still
   * add to the one they left, and returns that one, ready to drain.
   */
  int switchGeneration();

  /**
   * Every histogram in the kernel: counts since its generation began. Entries of generation
   * {@code drained} (or none, for {@link #NO_GENERATION}) are removed from the kernel as they
   * are read, and returned apart.
   */
  Histograms readHistograms(int drained);

  /** Histogram entries the programs have created in the kernel since they were loaded. */
  long labelSetsCreated();

  /**
   * Scans every thread in the kernel for syscalls past their timeout that count under the
   * policy the programs were loaded with.
   */
  InflightScan scanInflight();

  /**
   * Marks a process as a JVM that joined through the agent socket: from now on its threads'
   * histograms are keyed by (process, thread pool), and no other process pays for it. False
   * when as many JVMs as the kernel has room for have joined.
   */
  boolean join(int pid);

  /** Undoes {@link #join}: the process's threads count under its name again. */
  void leave(int pid);

  /**
   * Whether process {@code pid} is still counted as the JVM that joined: false once it has
   * exec'd another program (the kernel unmarks it then).
   */
  boolean stillJoined(int pid);

  /**
   * Gives threads of process {@code pid} (0: the one agent mode measures) the pool id their
   * histograms are keyed by from now on, by tid in the process's own pid namespace; 0 unnames
   * a thread (its comm's pool again). Threads not listed keep theirs.
   */
  void nameThreads(int pid, Map<Integer, Integer> poolByTid);

  /**
   * Lets the threads of process {@code pid} (0: the one agent mode measures) register their
   * trace context records: a {@code pwrite64} whose offset is {@code cookie} names a thread's
   * record, which the kernel then reads for its slow and stuck calls. False when the kernel
   * has no room for another process.
   */
  boolean allowTraceContexts(int pid, long cookie);

  /** Undoes {@link #allowTraceContexts}: records registered already are read no more. */
  void forgetTraceContexts(int pid);

  /**
   * The trace context a stuck call's thread published ({@link StuckCall#hasContext}), read
   * from its process's memory: NONE when it published none, the call has returned, or the
   * read did not finish within a moment (a process whose memory cannot be read now).
   */
  TraceContext traceContext(int pid, int tid, long startNanos);

  /** The path of an open fd of a process, as the kernel names it, or empty when it cannot. */
  Optional<String> fdPath(int pid, int tid, long fd);

  /** Totals of the kernel's error counters, indexed as in {@code enum exporter_error}. */
  long[] errors();

  /**
   * Entries in use and capacity of a map, by map name: "hist" now; "inflight" (task-local
   * storage, without a capacity: maxEntries 0) counts the threads inside a syscall at the last
   * {@link #scanInflight}.
   */
  MapFill fill(String map);

  /** Number of programs attached. */
  int attachedPrograms();

  /**
   * Time spent in and runs of each attached program, counted by the kernel only while
   * {@code sysctl kernel.bpf_stats_enabled=1}.
   */
  List<ProgramStats> programStats();

  /** Starts delivering slow events to {@code consumer} (from one background thread). */
  void onSlowEvent(Consumer<SlowEvent> consumer);

  /** Failures of the slow-event poller so far (it goes on after each). */
  long slowEventPollErrors();

  record Histograms(List<HistogramEntry> drained, List<HistogramEntry> live) {}

  record MapFill(int entries, int maxEntries) {}

  record ProgramStats(String program, long runNanos, long runs) {}
}
