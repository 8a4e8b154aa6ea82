package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.bpf.SyscallTracer;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.syscalls.SyscallTable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The real kernel boundary used from several threads at once, as the exporter does (a drain
 * thread, the scan thread, concurrent scrapes): no call may corrupt another's, so every call
 * is counted exactly once however they interleave.
 */
class KernelBoundaryIT {
  private static final int THREADS = 4;
  private static final int CALLS = 1_000_000;

  @Test
  void everyMethodFromSeveralThreadsAtOnceKeepsCountsExact() throws Exception {
    KernelRequired.check();
    SyscallTable syscalls = SyscallTable.forThisMachine();
    int getppid = (int) syscalls.number("getppid").orElseThrow();
    SyscallPolicy policy = new SyscallPolicy(Duration.ofSeconds(10), Map.of(), Set.of(),
        Set.of(), Set.of(), false);
    try (SyscallTracer kernel = SyscallTracer.start(SyscallTracer.Settings.host(
        Duration.ofSeconds(1), false, false, policy.kernelTables(syscalls)))) {
      kernel.onSlowEvent(e -> {});
      String name = Workload.uniqueName("kb");
      AtomicLong counted = new AtomicLong();
      AtomicLong drains = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
      Runnable drain = () -> {
        int generation = kernel.switchGeneration();
        counted.addAndGet(getppidCalls(kernel.readHistograms(generation).drained(), name,
            getppid));
        drains.incrementAndGet();
      };
      List<Thread> threads = new ArrayList<>();
      threads.add(loop("drain", stop, failures, 10, drain));
      for (int i = 0; i < 2; i++) {
        threads.add(loop("scrape-" + i, stop, failures, 0, () -> {
          kernel.readHistograms(KernelSource.NO_GENERATION);
          kernel.labelSetsCreated();
          kernel.fill("hist");
          kernel.errors();
          kernel.attachedPrograms();
          kernel.programStats();
          kernel.slowEventPollErrors();
        }));
      }
      int self = (int) ProcessHandle.current().pid();
      threads.add(loop("scan", stop, failures, 0, () -> {
        kernel.scanInflight();
        kernel.fill("inflight");
        kernel.fdPath(self, self, 0);
        kernel.join(self);
        kernel.leave(self);
      }));

      Workload.run(name, "getppid-threads", Integer.toString(THREADS), Integer.toString(CALLS));
      stop.set(true);
      for (Thread t : threads) {
        t.join();
      }
      drain.run(); // the generation written last
      drain.run(); // and, to be sure, the one before it again

      assertThat(failures).as("calls that failed").isEmpty();
      assertThat(drains.get()).as("drains during the run").isGreaterThan(10);
      assertThat(counted.get()).as("getppid calls, drained").isEqualTo((long) THREADS * CALLS);
      assertThat(kernel.errors()[Layouts.ERR_HIST_UPDATE]).as("hist update failures").isZero();
      KernelSource.MapFill fill = kernel.fill("hist");
      assertThat(fill.entries()).as("hist entries (created minus deleted), all drained")
          .isBetween(0, fill.maxEntries());
    }
  }

  private static long getppidCalls(List<HistogramEntry> entries, String process, int getppid) {
    long n = 0;
    for (HistogramEntry e : entries) {
      if (e.key().process().equals(process) && e.key().nr() == getppid) {
        for (long b : e.buckets()) {
          n += b;
        }
      }
    }
    return n;
  }

  /** Runs {@code body} in a loop, {@code pauseMillis} apart, until {@code stop}. */
  private static Thread loop(String name, AtomicBoolean stop, ConcurrentLinkedQueue<Throwable>
      failures, long pauseMillis, Runnable body) {
    Thread t = new Thread(() -> {
      while (!stop.get()) {
        try {
          body.run();
          Thread.sleep(pauseMillis);
        } catch (Throwable e) {
          failures.add(e);
          return;
        }
      }
    }, name);
    t.start();
    return t;
  }
}
