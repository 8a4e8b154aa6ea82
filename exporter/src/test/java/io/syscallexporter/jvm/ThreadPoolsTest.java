package io.syscallexporter.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ThreadPoolsTest {
  @Test
  void aPoolIsTheNameWithoutItsTrailingNumber() {
    assertThat(ThreadPools.poolOf("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-exec-*");
    assertThat(ThreadPools.poolOf("GC Thread#0")).isEqualTo("GC Thread#*");
    assertThat(ThreadPools.poolOf("main")).isEqualTo("main");
  }

  @Test
  void theCommIsTheFirstFifteenBytes() {
    assertThat(ThreadPools.commOf("io-worker-1")).isEqualTo("io-worker-1");
    assertThat(ThreadPools.commOf("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-e");
    // Cut inside a two-byte character, as the kernel cuts it, read back with a replacement.
    assertThat(ThreadPools.commOf("fourteen-bytesé-1")).isEqualTo("fourteen-bytes\uFFFD");
  }

  @Test
  void poolLabelsFoldWhatChangesBetweenRuns() {
    ThreadPoolRules rules = ThreadPoolRules.DEFAULT;
    // docs/agent.md's table: each name and what it becomes.
    Map.of("http-nio-8080-exec-12", "http-nio-8080-exec-*",
        "qtp985934102-14", "qtp*-*",
        "qtp985934102-15-acceptor-0@364e9e-ServerConnector@3b084709{HTTP/1.1, (http/1.1)}"
            + "{0.0.0.0:18098}",
        "qtp*-*-acceptor-0@*-ServerConnector@*{HTTP/1.1, (http/1.1)}{0.0.0.0:18098}",
        "nioEventLoopGroup-2-3", "nioEventLoopGroup-2-*",
        "ForkJoinPool-1-worker-3", "ForkJoinPool-1-worker-*",
        "ForkJoinPool.commonPool-worker-7", "ForkJoinPool.commonPool-worker-*",
        "pool-3-thread-7", "pool-3-thread-*",
        "GC Thread#0", "GC Thread#*",
        "C2 CompilerThread0", "C2 CompilerThread*",
        "main", "main").forEach((name, label) -> {
          assertThat(rules.label(name)).as(name).isEqualTo(label);
          // A label is a fixed point: the kernel's key of a comm is labelled the same way.
          assertThat(rules.label(label)).as(label).isEqualTo(label);
          assertThat(rules.label(ThreadPools.poolOf(name))).as(name).isEqualTo(label);
        });
  }

  @Test
  void configuredRulesApplyToWhatTheDefaultsMade() {
    ThreadPoolRules rules = new ThreadPoolRules(List.of(
        new ThreadPoolRules.Rule(java.util.regex.Pattern.compile("^qtp\\*-\\*$"),
            "jetty-worker-*"),
        new ThreadPoolRules.Rule(java.util.regex.Pattern.compile("^(.*)-acceptor-.*$"),
            "jetty-acceptor")));
    assertThat(rules.label("qtp985934102-14")).isEqualTo("jetty-worker-*");
    assertThat(rules.label("qtp985934102-15-acceptor-0@364e9e-ServerConnector@3b0{x}"))
        .isEqualTo("jetty-acceptor");
    assertThat(rules.label("io-worker-1")).isEqualTo("io-worker-*");
  }

  @Test
  void theKernelKeyIsThePoolOfTheComm() {
    assertThat(ThreadPools.keyOf("churn-4711")).isEqualTo("churn-*");
    assertThat(ThreadPools.keyOf("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-e");
    assertThat(ThreadPools.keyOf("worker-pool-123-thread-4")).isEqualTo("worker-pool-*");
  }

  @Test
  void threadsWhoseCommsCutTheirNamesAreNamedFromTheLiveThreads(@TempDir Path tasks)
      throws Exception {
    Thread a = daemon("a-pool-with-a-long-name-7");
    Thread b = daemon("qtp401424608-15-acceptor-0@221f5154-ServerConnector@2cd8ab67{HTTP/1.1}");
    Thread c = daemon("qtp401424608-14");
    Thread d = daemon("fifteen-bytes-x-pool-1");
    Thread e = daemon("fifteen-bytes-x-other");
    try {
      task(tasks, 100, "java"); // the launcher's main thread keeps the process's comm
      task(tasks, 101, "a-pool-with-a-l");
      task(tasks, 102, "qtp401424608-15");
      task(tasks, 103, "qtp401424608-14");
      task(tasks, 104, "fifteen-bytes-x"); // two pools: only the JVM's thread dump can tell
      task(tasks, 105, "not-java-at-all"); // a native thread the dump does not know
      AtomicLong clock = new AtomicLong();
      JavaThreads threads = new JavaThreads("java", clock::get, tasks, ThreadPoolRules.DEFAULT);

      // A comm seen for the first time is not believed yet: a thread just started has its
      // creator's comm until HotSpot names it.
      task(tasks, 106, "java");
      assertThat(threads.namesByTid(100)).isEmpty();
      task(tasks, 106, "io-worker-9");
      // Every thread whose tid the task list and the live names tell; the others only the
      // JVM's thread dump could, and this one does not know these made-up tids.
      assertThat(threads.namesByTid(100)).containsOnly(Map.entry(100, "main"),
          Map.entry(101, "a-pool-with-a-long-name-7"), Map.entry(102, b.getName()),
          Map.entry(103, "qtp401424608-14"));
      assertThat(threads.namesByTid(2)).hasSize(2);

      FakeKernel kernel = new FakeKernel();
      threads.nameThreads(kernel);
      Map<Integer, Integer> ids = kernel.named.get(0);
      assertThat(threads.namesByTid(100)).containsEntry(106, "io-worker-9");
      Files.delete(tasks.resolve("106/comm"));
      Files.delete(tasks.resolve("106"));
      assertThat(ids).containsOnlyKeys(100, 101, 102, 103, 106); // 106: a comm said whole
      assertThat(threads.labelsOf(new SeriesKey("", 0, 0, 0, ids.get(101))))
          .isEqualTo(new ThreadNames.Labels("java", "a-pool-with-a-long-name-*"));
      // The acceptor apart from its pool, with what changes between runs folded.
      assertThat(threads.labelsOf(new SeriesKey("", 0, 0, 0, ids.get(102))).thread())
          .isEqualTo("qtp*-*-acceptor-0@*-ServerConnector@*{HTTP/1.1}");
      // Before a thread is named, its comm key stands for the one pool all its threads share;
      // a key two pools share (the acceptor among its pool's threads) stands for itself, as
      // does one that says its threads' names whole: every live thread's key is there.
      assertThat(threads.poolsByKey(100, 256)).containsEntry("a-pool-with-a-l",
          "a-pool-with-a-long-name-*").containsEntry("java", "main")
          .containsEntry("qtp401424608-*", "qtp401424608-*")
          .containsEntry("fifteen-bytes-x", "fifteen-bytes-x")
          .doesNotContainKey("no-such-thread-");
      assertThat(threads.labelsOf(new SeriesKey("a-pool-with-a-l", 0, 0, 0,
          SeriesKey.BY_COMM)).thread()).isEqualTo("a-pool-with-a-long-name-*");
      assertThat(threads.labelsOf(new SeriesKey("qtp401424608-*", 0, 0, 0,
          SeriesKey.BY_COMM)).thread()).isEqualTo("qtp*-*");
      // A stuck call lands in its histograms' label set: by its pool id once named.
      assertThat(threads.seriesKey(new StuckCall(12, 12, 10, 0, 0, 0, FdKind.NONE,
          "io-worker-12", "java", 0, 0, new long[0], false, -1, false), false))
          .isEqualTo(new SeriesKey("io-worker-*", 0, 0, 0, SeriesKey.BY_COMM));
      assertThat(threads.seriesKey(new StuckCall(12, 12, 10, 0, 0, 0, FdKind.NONE,
          "a-pool-with-a-l", "java", 0, ids.get(101), new long[0], false, -1, false), false))
          .isEqualTo(new SeriesKey("", 0, 0, 0, ids.get(101)));
      // A thread gone: unnamed in the kernel (its tid may come back as another thread).
      Files.delete(tasks.resolve("101/comm"));
      Files.delete(tasks.resolve("101"));
      kernel.named.clear();
      threads.nameThreads(kernel);
      assertThat(kernel.named.get(0)).isEmpty();
      // Every 10 s, every thread again: a new thread on a reused tid starts unnamed.
      clock.addAndGet(10_000_000_000L);
      threads.nameThreads(kernel);
      assertThat(kernel.named.get(0)).containsOnlyKeys(100, 102, 103);

      assertThat(threads.nameOf(10, -1, "fallback")).isEqualTo("fallback");
      // A slow call's thread, by its cut comm, without a thread dump: one live match.
      assertThat(threads.nameOf(10, -1, "a-pool-with-a-l"))
          .isEqualTo("a-pool-with-a-long-name-7");
    } finally {
      for (Thread t : List.of(a, b, c, d, e)) {
        t.interrupt();
      }
    }
  }

  /**
   * JettyIT's race, step by step: the JVM's threads were looked at, then a pool thread renamed
   * itself its acceptor (Jetty does) and made calls under its new comm, whose key no look has
   * seen. Those calls wait for the next look (at most every 100 ms), which gives them the
   * acceptor's pool: never the label of the comm's cut name ({@code qtp*-*-}).
   */
  @Test
  void callsUnderAKeyNoLookHasSeenWaitForTheNextLookNotForTheCommsLabel(@TempDir Path tasks)
      throws Exception {
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    JavaThreads threads = new JavaThreads("java", clock::get, tasks, ThreadPoolRules.DEFAULT);
    CountDownLatch renamed = new CountDownLatch(1);
    Thread acceptor = new Thread(() -> {
      try {
        renamed.await();
        Thread.currentThread().setName("qtp12345678-15-acceptor-0@1f2e3d4c-ServerConnector"
            + "@5a6b7c8d{HTTP/1.1}{0.0.0.0:8080}");
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "qtp12345678-15");
    acceptor.setDaemon(true);
    acceptor.start();
    try {
      SeriesKey before = new SeriesKey("qtp12345678-*", 0, 0, 0, SeriesKey.BY_COMM);
      assertThat(threads.labelsOf(before, clock.get()).thread())
          .isEqualTo("qtp*-*"); // a look, now
      renamed.countDown();
      while (!acceptor.getName().contains("acceptor")) {
        Thread.sleep(1);
      }
      SeriesKey after = new SeriesKey("qtp12345678-15-", 0, 0, 0, SeriesKey.BY_COMM);
      long seen = clock.addAndGet(50_000_000L); // its counts read 50 ms after that look
      assertThat(threads.labelsOf(after, seen)).as("looked before its calls: wait").isNull();
      clock.addAndGet(50_000_000L);
      assertThat(threads.labelsOf(after, seen).thread()).as("the next look")
          .isEqualTo("qtp*-*-acceptor-0@*-ServerConnector@*{HTTP/1.1}{0.0.0.0:8080}");
      // Once looked at after its calls, a key with the same first read needs no other look.
      assertThat(threads.labelsOf(new SeriesKey("qtp12345678-15-", 0, 1, 0, SeriesKey.BY_COMM),
          seen)).isNotNull();
      // A key no live thread has, looked for: its comm is all there is.
      clock.addAndGet(100_000_000L);
      assertThat(threads.labelsOf(new SeriesKey("gone-thread-nam", 0, 0, 0, SeriesKey.BY_COMM),
          clock.get()).thread()).isEqualTo("gone-thread-nam");
      assertThat(threads.labelsOf(new SeriesKey("gone-too-thread", 0, 0, 0, SeriesKey.BY_COMM),
          clock.get() - 1).thread()).as("read before the look just made: covered")
          .isEqualTo("gone-too-thread");
    } finally {
      acceptor.interrupt();
    }
  }

  private static void task(Path tasks, int tid, String comm) throws Exception {
    Files.createDirectories(tasks.resolve(Integer.toString(tid)));
    Files.writeString(tasks.resolve(tid + "/comm"), comm + "\n");
  }

  private static Thread daemon(String name) {
    Thread t = new Thread(ThreadPoolsTest::sleep, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private static void sleep() {
    try {
      Thread.sleep(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
