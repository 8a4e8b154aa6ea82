package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JoinedJvmsTest {
  private final FakeKernel kernel = new FakeKernel();
  private final JoinStats stats = new JoinStats();
  private final JoinedJvms jvms = new JoinedJvms(kernel, stats);
  private static final JoinedJvms.Link NO_STACKS = link(Map.of());

  /** A JVM's connection that knows these threads' stacks, and keeps what it is sent. */
  private static JoinedJvms.Link link(Map<Integer, ThreadNames.StuckThread> stacks) {
    return new JoinedJvms.Link() {
      @Override
      public ThreadNames.StuckThread stack(int tid, String comm, long timeoutMillis) {
        return stacks.get(tid);
      }

      @Override
      public boolean metrics(String text) {
        sent.add(text);
        return true;
      }
    };
  }

  private static final List<String> sent = new java.util.concurrent.CopyOnWriteArrayList<>();

  private static StuckCall stuck(int pid, String thread, String process) {
    return new StuckCall(pid + 1, 7, pid, 0, 0, 3, FdKind.FILE, thread, process, 0,
        new long[0]);
  }

  @Test
  void aJoinedJvmIsLabelledByNameAndPoolAndOthersByProcess() {
    JoinedJvms.Member m = jvms.join(100, "checkout", NO_STACKS, new StringBuilder());
    assertThat(m).isNotNull();
    assertThat(kernel.joined).containsExactly(100);
    m.poolByKey = Map.of("http-nio-8080-e", "http-nio-8080-exec-*");

    assertThat(jvms.labelsOf(new SeriesKey("http-nio-8080-e", 100, 0, 0, true)))
        .isEqualTo(new ThreadNames.Labels("checkout", "http-nio-8080-exec-*"));
    assertThat(jvms.labelsOf(new SeriesKey("io-worker-*", 100, 0, 0, true)))
        .isEqualTo(new ThreadNames.Labels("checkout", "io-worker-*"));
    assertThat(jvms.labelsOf(new SeriesKey("nginx", 0, 0)))
        .isEqualTo(new ThreadNames.Labels("nginx", null));
    // A stuck call lands in its histograms' label set: the kernel's key for it.
    assertThat(jvms.seriesKey(stuck(100, "io-worker-3", "java"), false))
        .isEqualTo(new SeriesKey("io-worker-*", 100, 0, 0, true));
    assertThat(jvms.seriesKey(stuck(200, "worker", "nginx"), false))
        .isEqualTo(new SeriesKey("nginx", 0, 0, 0));
  }

  @Test
  void aJvmLabelsABoundedNumberOfPools() {
    jvms.join(100, "checkout", NO_STACKS, new StringBuilder());
    for (int i = 0; i < JoinedJvms.MAX_POOLS_PER_JVM; i++) {
      assertThat(jvms.labelsOf(new SeriesKey("pool" + i + "-*", 100, 0, 0, true)).thread())
          .isEqualTo("pool" + i + "-*");
    }
    assertThat(jvms.labelsOf(new SeriesKey("one-more-*", 100, 0, 0, true)).thread())
        .isEqualTo("_other");
    assertThat(jvms.labelsOf(new SeriesKey("pool0-*", 100, 1, 0, true)).thread())
        .isEqualTo("pool0-*");
    assertThat(stats.poolsOverLimit()).isEqualTo(1);
  }

  @Test
  void aProcessJoinsOnceAndTheKernelBoundsHowMany() {
    kernel.maxJoined = 1;
    assertThat(jvms.join(100, "a", NO_STACKS, new StringBuilder())).isNotNull();
    StringBuilder why = new StringBuilder();
    assertThat(jvms.join(100, "b", NO_STACKS, why)).isNull();
    assertThat(why).contains("joined already");
    why.setLength(0);
    assertThat(jvms.join(101, "c", NO_STACKS, why)).isNull();
    assertThat(why).contains("too many");
    assertThat(jvms.size()).isEqualTo(1);
  }

  @Test
  void aJvmThatLeftKeepsItsNameForItsLastSeriesAndIsUnmarked() {
    JoinedJvms.Member m = jvms.join(100, "checkout", NO_STACKS, new StringBuilder());
    jvms.leave(m);
    assertThat(kernel.joined).isEmpty();
    assertThat(jvms.size()).isZero();
    assertThat(jvms.labelsOf(new SeriesKey("io-worker-*", 100, 0, 0, true)).process())
        .isEqualTo("checkout");
    // No longer joined: its threads are a process again.
    assertThat(jvms.seriesKey(stuck(100, "io-worker-3", "java"), false).joined()).isFalse();
  }

  @Test
  void aStuckThreadIsAskedOfItsJvm() {
    jvms.join(100, "checkout", link(Map.of(7, new ThreadNames.StuckThread("fuse-reader-1",
        List.of("IoService.read(IoService.java:9)")))), new StringBuilder());
    assertThat(jvms.stuckThread(100, 7, "fuse-reader-1").javaStack()).hasSize(1);
    assertThat(jvms.stuckThread(100, 8, "other").name()).isEqualTo("other");
    assertThat(jvms.stuckThread(200, 7, "nginx").javaStack()).isEmpty();
  }
}
