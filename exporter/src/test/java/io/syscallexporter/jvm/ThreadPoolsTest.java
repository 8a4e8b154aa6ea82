package io.syscallexporter.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

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
  void theKernelKeyIsThePoolOfTheComm() {
    assertThat(ThreadPools.keyOf("churn-4711")).isEqualTo("churn-*");
    assertThat(ThreadPools.keyOf("http-nio-8080-exec-12")).isEqualTo("http-nio-8080-e");
    assertThat(ThreadPools.keyOf("worker-pool-123-thread-4")).isEqualTo("worker-pool-*");
  }

  @Test
  void aLongNameIsFoundAmongTheLiveThreads() throws Exception {
    AtomicLong clock = new AtomicLong();
    JavaThreads threads = new JavaThreads("java", clock::get);
    Thread a = daemon("a-pool-with-a-long-name-7");
    Thread b = daemon("worker-pool-123-thread-4");
    try {
      assertThat(threads.poolOf("a-pool-with-a-l")).isEqualTo("a-pool-with-a-long-name-*");
      assertThat(threads.poolOf("worker-pool-*")).isEqualTo("worker-pool-123-thread-*");
      assertThat(threads.poolOf("short-*")).isEqualTo("short-*");
      // The launcher's main thread keeps the process's comm.
      assertThat(threads.poolOf("java")).isEqualTo("main");
      assertThat(threads.labelsOf(new SeriesKey("worker-pool-*", 0, 0)))
          .isEqualTo(new ThreadNames.Labels("java", "worker-pool-123-thread-*"));
      assertThat(threads.seriesKey(new StuckCall(12, 12, 10, 0, 0, 0, FdKind.NONE,
          "io-worker-12", "java", 0, new long[0]), false))
          .isEqualTo(new SeriesKey("io-worker-*", 0, 0));
      assertThat(threads.nameOf(10, -1, "fallback")).isEqualTo("fallback");
      // A slow call's thread, by its cut comm, without a thread dump: one live match.
      assertThat(threads.nameOf(10, -1, "a-pool-with-a-l"))
          .isEqualTo("a-pool-with-a-long-name-7");
    } finally {
      a.interrupt();
      b.interrupt();
    }
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
