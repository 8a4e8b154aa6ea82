package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.jvm.PoolIds;
import io.syscallexporter.jvm.ThreadPoolRules;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class JoinedJvmsTest {
  private final FakeKernel kernel = new FakeKernel();
  private final JoinStats stats = new JoinStats();
  private final JoinedJvms jvms = new JoinedJvms(kernel, stats, ThreadPoolRules.DEFAULT);
  private static final JoinedJvms.Link NO_STACKS = link(Map.of());

  /** A JVM's connection that knows these threads' stacks, and keeps what it is sent. */
  private static JoinedJvms.Link link(Map<Integer, ThreadNames.StuckThread> stacks) {
    return new JoinedJvms.Link() {
      @Override
      public CompletableFuture<ThreadNames.StuckThread> stack(int tid, String comm) {
        return CompletableFuture.completedFuture(stacks.get(tid));
      }

      @Override
      public void metrics(String text) {
        sent.add(text);
      }

      @Override
      public void close() {}
    };
  }

  private static final List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static StuckCall stuck(int pid, String thread, String process) {
    return new StuckCall(pid + 1, 7, pid, 0, 0, 3, FdKind.FILE, thread, process, 0, 0,
        new long[0], false, -1, false);
  }

  private static SeriesKey byComm(String key, int pid, int nr) {
    return new SeriesKey(key, pid, nr, 0, SeriesKey.BY_COMM);
  }

  @Test
  void aJoinedJvmIsLabelledByNameAndPoolAndOthersByProcess() {
    JoinedJvms.Member m = jvms.join(100, 1000, "checkout", NO_STACKS, new StringBuilder());
    assertThat(m).isNotNull();
    assertThat(kernel.joined).containsExactly(100);
    // The agent names threads whose comms cut their names; the kernel keys them by pool id.
    jvms.named(m, Map.of(7, "http-nio-8080-exec-12", 8, "http-nio-8080-exec-3",
        9, "qtp985934102-15-acceptor-0@364e9e-ServerConnector@3b084709{HTTP/1.1}"));
    Map<Integer, Integer> ids = kernel.named.get(100);
    assertThat(ids.get(7)).isEqualTo(ids.get(8)).isNotEqualTo(ids.get(9));
    assertThat(jvms.labelsOf(new SeriesKey("", 100, 0, 0, ids.get(7))))
        .isEqualTo(new ThreadNames.Labels("checkout", "http-nio-8080-exec-*"));
    assertThat(jvms.labelsOf(new SeriesKey("", 100, 0, 0, ids.get(9))).thread())
        .isEqualTo("qtp*-*-acceptor-0@*-ServerConnector@*{HTTP/1.1}");
    // Not named: the comm's pool, by the same rules; never another thread's full name.
    assertThat(jvms.labelsOf(byComm("io-worker-*", 100, 0)))
        .isEqualTo(new ThreadNames.Labels("checkout", "io-worker-*"));
    assertThat(jvms.labelsOf(byComm("qtp985934102-*", 100, 0)).thread()).isEqualTo("qtp*-*");
    // Only what changed goes to the kernel again; a thread no longer listed is unnamed.
    kernel.named.clear();
    jvms.named(m, Map.of(7, "http-nio-8080-exec-12", 8, "http-nio-8080-exec-3"));
    assertThat(kernel.named.get(100)).isEmpty();
    assertThat(jvms.labelsOf(new SeriesKey("nginx", 0, 0)))
        .isEqualTo(new ThreadNames.Labels("nginx", null));
    // A stuck call lands in its histograms' label set: the kernel's key for it.
    assertThat(jvms.seriesKey(stuck(100, "io-worker-3", "java"), false))
        .isEqualTo(byComm("io-worker-*", 100, 0));
    assertThat(jvms.seriesKey(stuck(200, "worker", "nginx"), false))
        .isEqualTo(new SeriesKey("nginx", 0, 0, 0));
  }

  /**
   * A virtual thread's calls count under the pool its JVM says the carrier record's index
   * stands for, by the host's rules; an index not said yet waits for it, and past the wait is
   * _other, never a guess.
   */
  @Test
  void virtualThreadPoolsAreLabelledByTheNamesTheirJvmGaveTheirIndexes() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    JoinedJvms clocked = new JoinedJvms(kernel, stats, ThreadPoolRules.DEFAULT, now::get);
    JoinedJvms.Member m = clocked.join(100, 1000, "shop", NO_STACKS, new StringBuilder());
    clocked.pools(m, Map.of()); // an agent: it says its pools
    SeriesKey req = new SeriesKey("", 100, 0, 0, SeriesKey.VIRTUAL | 1);
    SeriesKey tomcat = new SeriesKey("", 100, 0, 0, SeriesKey.VIRTUAL | 2);
    assertThat(clocked.labelsOf(req, 0)).as("index 1 not said yet").isNull();
    clocked.virtualPools(m, Map.of(1, "req-*", 2, "tomcat-handler-*"));
    assertThat(clocked.labelsOf(req, 0)).isEqualTo(new ThreadNames.Labels("shop", "req-*"));
    assertThat(clocked.labelsOf(tomcat, 0).thread()).isEqualTo("tomcat-handler-*");
    SeriesKey unsaid = new SeriesKey("", 100, 0, 0, SeriesKey.VIRTUAL | 3);
    now.set(JoinedJvms.NAMES_WAIT_NANOS - 1);
    assertThat(clocked.labelsOf(unsaid, 0)).isNull();
    now.set(JoinedJvms.NAMES_WAIT_NANOS);
    assertThat(clocked.labelsOf(unsaid, 0).thread()).isEqualTo(PoolIds.OTHER);
    // The kernel could not read which: _other at once.
    assertThat(clocked.labelsOf(new SeriesKey("", 100, 0, 0, SeriesKey.VIRTUAL), 0).thread())
        .isEqualTo(PoolIds.OTHER);
  }

  /**
   * A thread not named yet waits until its JVM has said its pools after the key's calls: then
   * the key is labelled by its live threads' pool, or, no live thread having it (the thread
   * ended, or renamed itself), by its comm.
   */
  @Test
  void aCommKeyWaitsForPoolsSaidAfterItsCalls() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    JoinedJvms clocked = new JoinedJvms(kernel, stats, ThreadPoolRules.DEFAULT, now::get);
    JoinedJvms.Member m = clocked.join(100, 1000, "shop", NO_STACKS, new StringBuilder());
    clocked.pools(m, Map.of("worker-*", "worker-*"));
    SeriesKey acceptor = byComm("qtp12345678-15-", 100, 0);
    long seen = 10_000_000_000L;
    now.set(seen);
    assertThat(clocked.labelsOf(acceptor, seen)).as("pools said before its calls").isNull();
    now.addAndGet(JoinedJvms.POOLS_AFTER_NANOS);
    clocked.pools(m, Map.of("qtp12345678-15-", "qtp12345678-15-acceptor-0@1a2b3c"));
    assertThat(clocked.labelsOf(acceptor, seen).thread()).isEqualTo("qtp*-*-acceptor-0@*");
    SeriesKey gone = byComm("short-lived-tas", 100, 0);
    long goneSeen = now.get();
    assertThat(clocked.labelsOf(gone, goneSeen)).isNull();
    now.addAndGet(JoinedJvms.POOLS_AFTER_NANOS);
    clocked.pools(m, Map.of("worker-*", "worker-*"));
    assertThat(clocked.labelsOf(gone, goneSeen).thread())
        .as("no live thread has it: its comm").isEqualTo("short-lived-tas");
    assertThat(clocked.labelsOf(byComm("never-said-*", 100, 0),
        now.get() - JoinedJvms.NAMES_WAIT_NANOS)).isNotNull();
    // A client that never says its pools (not our agent): nothing to wait for.
    JoinedJvms.Member mute = clocked.join(101, 1000, "mute", NO_STACKS, new StringBuilder());
    assertThat(clocked.labelsOf(byComm("mute-thread-*", 101, 0), now.get()).thread())
        .isEqualTo("mute-thread-*");
  }

  @Test
  void aJvmLabelsABoundedNumberOfPools() {
    jvms.join(100, 1000, "checkout", NO_STACKS, new StringBuilder());
    for (int i = 0; i < PoolIds.MAX_POOLS; i++) {
      assertThat(jvms.labelsOf(byComm("pool" + (char) ('a' + i % 26) + (char) ('a' + i / 26)
          + "-*", 100, 0)).thread()).endsWith("-*");
    }
    assertThat(jvms.labelsOf(byComm("one-more-*", 100, 0)).thread()).isEqualTo("_other");
    assertThat(jvms.labelsOf(byComm("one-more-*", 100, 1)).thread()).isEqualTo("_other");
    assertThat(jvms.labelsOf(byComm("poolaa-*", 100, 1)).thread()).isEqualTo("poolaa-*");
    assertThat(stats.poolsOverLimit()).isEqualTo(1);
  }

  @Test
  void aProcessJoinsOnceAndTheKernelBoundsHowMany() {
    kernel.maxJoined = 1;
    assertThat(jvms.join(100, 1000, "a", NO_STACKS, new StringBuilder())).isNotNull();
    StringBuilder why = new StringBuilder();
    assertThat(jvms.join(100, 1000, "b", NO_STACKS, why)).isNull();
    assertThat(why).contains("joined already");
    why.setLength(0);
    assertThat(jvms.join(101, 1000, "c", NO_STACKS, why)).isNull();
    assertThat(why).contains("too many");
    assertThat(jvms.size()).isEqualTo(1);
  }

  @Test
  void aJvmThatLeftKeepsItsNameForItsLastSeriesAndIsUnmarked() {
    JoinedJvms.Member m = jvms.join(100, 1000, "checkout", NO_STACKS, new StringBuilder());
    jvms.leave(m);
    assertThat(kernel.joined).isEmpty();
    assertThat(jvms.size()).isZero();
    assertThat(jvms.labelsOf(byComm("io-worker-*", 100, 0)).process()).isEqualTo("checkout");
    // No longer joined: its threads are a process again.
    assertThat(jvms.seriesKey(stuck(100, "io-worker-3", "java"), false).byPool()).isFalse();
  }

  @Test
  void aStuckThreadIsAskedOfItsJvm() {
    jvms.join(100, 1000, "checkout", link(Map.of(7, new ThreadNames.StuckThread("fuse-reader-1",
        List.of("IoService.read(IoService.java:9)")))), new StringBuilder());
    assertThat(jvms.stuckThread(100, 7, "fuse-reader-1").join().javaStack()).hasSize(1);
    assertThat(jvms.stuckThread(100, 8, "other").join().name()).isEqualTo("other");
    // Not joined (yet): no answer, so that the scan asks again should it join.
    assertThat(jvms.stuckThread(200, 7, "nginx").join()).isNull();
  }

  @Test
  void aJvmThatNeverAnswersIsNotWaitedFor() {
    jvms.join(100, 1000, "mute", new JoinedJvms.Link() {
      @Override
      public CompletableFuture<ThreadNames.StuckThread> stack(int tid, String comm) {
        return new CompletableFuture<>(); // never completed
      }

      @Override
      public void metrics(String text) {}

      @Override
      public void close() {}
    }, new StringBuilder());
    long began = System.nanoTime();
    CompletableFuture<ThreadNames.StuckThread> answer = jvms.stuckThread(100, 7, "io-worker-1");
    assertThat(System.nanoTime() - began).isLessThan(JoinedJvms.STACK_TIMEOUT_MILLIS * 1_000_000);
    assertThat(answer).isNotDone();
    // Past its deadline, the thread is its comm.
    assertThat(answer.join()).isEqualTo(new ThreadNames.StuckThread("io-worker-1", List.of()));
  }

  @Test
  void aNameIsItsUsersWhileHeldAndForAWhileAfter() {
    JoinedJvms.Member checkout = jvms.join(100, 1000, "checkout", NO_STACKS, new StringBuilder());
    StringBuilder why = new StringBuilder();
    assertThat(jvms.join(200, 65534, "checkout", NO_STACKS, why)).isNull();
    assertThat(why).contains("held by another user");
    JoinedJvms.Member second = jvms.join(201, 1000, "checkout", NO_STACKS,
        new StringBuilder());
    assertThat(second).isNotNull();
    jvms.leave(checkout);
    jvms.leave(second);
    // Gone, but its name is not free for another user yet: a restart must find it.
    assertThat(jvms.join(202, 65534, "checkout", NO_STACKS, new StringBuilder())).isNull();
    assertThat(jvms.join(203, 65534, "payments", NO_STACKS, new StringBuilder())).isNotNull();
  }

  @Test
  void aHeldNameStaysItsUsersHoweverManyNamesComeAndGo() {
    jvms.join(100, 1000, "checkout", NO_STACKS, new StringBuilder());
    // More names than are remembered, joining and leaving: checkout's record is pushed out.
    for (int i = 0; i < JoinedJvms.NAME_OWNERS + 10; i++) {
      jvms.leave(jvms.join(1000 + i, 65534, "n" + i, NO_STACKS, new StringBuilder()));
    }
    StringBuilder why = new StringBuilder();
    assertThat(jvms.join(5000, 65534, "checkout", NO_STACKS, why)).isNull();
    assertThat(why).contains("held by another user");
  }

  @Test
  void namesAreBoundedPerUserAndInAll() {
    JoinedJvms.Member m = jvms.join(100, 1000, "big", NO_STACKS, new StringBuilder());
    Map<String, String> pools = new java.util.HashMap<>();
    for (int i = 0; i < 1000; i++) {
      pools.put("key-" + i, "p".repeat(200) + i); // ~0.5 MB each frame
    }
    assertThat(jvms.pools(m, Map.copyOf(pools))).isTrue();
    long one = jvms.nameBytes();
    assertThat(one).isGreaterThan(400_000);
    // Eight JVMs of one user fill its budget; the ninth keeps nothing.
    int kept = 1;
    for (int pid = 101; pid < 120; pid++) {
      JoinedJvms.Member other = jvms.join(pid, 1000, "big", NO_STACKS, new StringBuilder());
      kept += jvms.pools(other, Map.copyOf(pools)) ? 1 : 0;
    }
    assertThat(kept).isEqualTo((int) (JoinedJvms.NAME_BYTES_PER_UID / one));
    assertThat(jvms.nameBytes()).isLessThanOrEqualTo(JoinedJvms.NAME_BYTES_PER_UID);
    // A JVM that leaves gives its share back.
    jvms.leave(m);
    assertThat(jvms.nameBytes()).isLessThanOrEqualTo(JoinedJvms.NAME_BYTES_PER_UID - one);
  }

  @Test
  void aJvmThatExecsIsDropped() {
    var closed = new java.util.concurrent.atomic.AtomicBoolean();
    jvms.join(100, 1000, "checkout", new JoinedJvms.Link() {
      @Override
      public CompletableFuture<ThreadNames.StuckThread> stack(int tid, String comm) {
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public void metrics(String text) {}

      @Override
      public void close() {
        closed.set(true);
      }
    }, new StringBuilder());
    jvms.dropExeced();
    assertThat(closed).isFalse();
    kernel.joined.remove(100); // as the kernel does when the process execs
    jvms.dropExeced();
    assertThat(closed).isTrue();
  }

  @Test
  void aJvmThatJoinsAgainHasItsPoolIdsLabelledAnew() throws Exception {
    var totals = wiredTotals();
    JoinedJvms.Member first = jvms.join(100, 1000, "gamma", NO_STACKS, new StringBuilder());
    jvms.named(first, Map.of(7, "first-pool-1"));
    int id = kernel.named.get(100).get(7);
    kernel.histograms.add(byPoolId(100, id, 1000));
    // Stopped past the idle limit: it leaves, joins again, and its next pool takes that id.
    jvms.leave(first);
    JoinedJvms.Member again = jvms.join(100, 1000, "gamma", NO_STACKS, new StringBuilder());
    jvms.named(again, Map.of(8, "second-pool-1"));
    assertThat(kernel.named.get(100).get(8)).as("the same id, given anew").isEqualTo(id);
    kernel.histograms.add(byPoolId(100, id, 500));
    Map<String, Long> byThread = new java.util.HashMap<>();
    totals.forEach((labels, t) -> byThread.put(labels.thread(), t.count()));
    assertThat(byThread).containsEntry("first-pool-*", 1000L)
        .containsEntry("second-pool-*", 500L);
  }

  @Test
  void eachJvmIsSentItsOwnCountsNotThoseOfAnotherOfItsName() throws Exception {
    var totals = wiredTotals();
    Map<Integer, List<String>> frames = new java.util.HashMap<>();
    for (int pid : new int[] {100, 200}) {
      frames.put(pid, new java.util.concurrent.CopyOnWriteArrayList<>());
      JoinedJvms.Member m = jvms.join(pid, 1000, "gamma", new JoinedJvms.Link() {
        @Override
        public CompletableFuture<ThreadNames.StuckThread> stack(int tid, String comm) {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void metrics(String text) {
          frames.get(pid).add(text);
        }

        @Override
        public void close() {}
      }, new StringBuilder());
      jvms.named(m, Map.of(7, "web-1"));
      kernel.histograms.add(byPoolId(pid, kernel.named.get(pid).get(7), pid * 10L));
    }
    totals.drain();
    jvms.publish(pid -> new io.syscallexporter.metrics.JmxPublisher.Source() {
      @Override
      public Map<io.syscallexporter.metrics.LabelSet, io.syscallexporter.metrics.Totals>
          totals() {
        Map<io.syscallexporter.metrics.LabelSet, io.syscallexporter.metrics.Totals> own =
            new java.util.HashMap<>();
        totals.forEachDrainedOf(pid, own::put); // no drain runs meanwhile
        return own;
      }

      @Override
      public Map<io.syscallexporter.metrics.LabelSet, Double> timedOut() {
        return Map.of();
      }
    });
    // The host's series holds both; each JVM is sent its own count only.
    totals.forEach((l, t) -> assertThat(t.count()).isEqualTo(3000));
    assertThat(frames.get(100)).singleElement().satisfies(f -> assertThat(f).contains(":1000\n"));
    assertThat(frames.get(200)).singleElement().satisfies(f -> assertThat(f).contains(":2000\n"));
  }

  @Test
  void aJvmServedElsewhereIsLeftOutHereAndStillSentItsOwn() throws Exception {
    var totals = wiredTotals();
    JoinedJvms.Member m = jvms.join(100, 1000, "delta", NO_STACKS, new StringBuilder());
    jvms.named(m, Map.of(7, "web-1"));
    int id = kernel.named.get(100).get(7);
    kernel.histograms.add(byPoolId(100, id, 10)); // counted before: stays here
    totals.drain();
    assertThat(jvms.servedElsewhere(m, "1")).isTrue();
    kernel.histograms.add(byPoolId(100, id, 5));
    Map<String, Long> here = new java.util.HashMap<>();
    totals.forEach((l, t) -> here.put(l.thread(), t.count()));
    assertThat(here).containsEntry("web-*", 10L);
    totals.drain();
    Map<String, Long> own = new java.util.HashMap<>();
    totals.forEachDrainedOf(100, (l, t) -> own.put(l.thread(), t.count()));
    assertThat(own).as("its own, for its endpoint").containsEntry("web-*", 15L);
    // No longer scraped there: back here, from then on.
    jvms.servedElsewhere(m, "0");
    kernel.histograms.add(byPoolId(100, id, 1));
    here.clear();
    totals.forEach((l, t) -> here.put(l.thread(), t.count()));
    assertThat(here).containsEntry("web-*", 11L);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> jvms.servedElsewhere(m, "yes"))
        .isInstanceOf(Frames.MalformedException.class);
  }

  @Test
  void aJvmsCookieLetsOnlyItsOwnThreadsRegisterUntilItLeaves() throws Exception {
    JoinedJvms.Member m = jvms.join(100, 1000, "echo", NO_STACKS, new StringBuilder());
    assertThat(jvms.traceContexts(m, "5eed0000cafe")).isTrue();
    assertThat(kernel.contextCookies).isEqualTo(Map.of(100, 0x5eed0000cafeL));
    for (String bad : List.of("", "0", "not hex", "12345678123456781", "-1", "+1")) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> jvms.traceContexts(m, bad))
          .as(bad).isInstanceOf(Frames.MalformedException.class);
    }
    jvms.leave(m);
    assertThat(kernel.contextCookies).isEmpty();
  }

  @Test
  void eachJvmIsSentTheTracesOfItsOwnCallsOnly() throws Exception {
    var config = io.syscallexporter.config.Flags.parse();
    var budget = new io.syscallexporter.metrics.LabelBudget(
        io.syscallexporter.syscalls.SyscallTable.forArch("x86_64"), config, null, jvms);
    var exemplars = new io.syscallexporter.metrics.TraceExemplars(budget, config);
    JoinedJvms.Member a = jvms.join(100, 1000, "gamma", NO_STACKS, new StringBuilder());
    JoinedJvms.Member b = jvms.join(200, 1000, "gamma", NO_STACKS, new StringBuilder());
    jvms.named(a, Map.of(7, "web-1"));
    jvms.named(b, Map.of(7, "web-2"));
    int idA = kernel.named.get(100).get(7);
    exemplars.accept(new io.syscallexporter.collect.SlowEvent(2_000_000_000L, 107, 7, 100, 0,
        "web-1", "java", new SeriesKey("", 100, 0, 0, idA),
        new io.syscallexporter.collect.TraceContext("4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7", true)));
    // Both JVMs' pools are one series (web-*): A's trace is on it, and sent to A only.
    assertThat(exemplars.ofJvm(100)).hasSize(1);
    assertThat(exemplars.ofJvm(100).values().iterator().next().get(0).getLabels()
        .get("trace_id")).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(exemplars.ofJvm(200)).isEmpty();
    exemplars.forgetJvm(100); // it left: its pid may be the next process's
    assertThat(exemplars.ofJvm(100)).isEmpty();
    jvms.leave(a);
    jvms.leave(b);
  }

  /** The real label budget and totals over the fake kernel, wired as the exporter wires them. */
  private io.syscallexporter.metrics.HistogramTotals wiredTotals() throws Exception {
    var config = io.syscallexporter.config.Flags.parse();
    var totals = new io.syscallexporter.metrics.HistogramTotals(kernel,
        new io.syscallexporter.metrics.LabelBudget(
            io.syscallexporter.syscalls.SyscallTable.forArch("x86_64"), config, null, jvms),
        config);
    jvms.onMembershipChange(totals::endPoolIds);
    return totals;
  }

  private static io.syscallexporter.collect.HistogramEntry byPoolId(int pid, int pool,
      long count) {
    long[] buckets = new long[io.syscallexporter.collect.LatencyBuckets.COUNT];
    buckets[10] = count;
    return new io.syscallexporter.collect.HistogramEntry(new SeriesKey("", pid, 0, 0, pool), 0,
        0, buckets);
  }
}
