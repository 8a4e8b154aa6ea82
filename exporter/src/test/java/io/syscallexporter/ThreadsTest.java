package io.syscallexporter;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Exporter.close frees the BPF object and the maps mapped into the process after the scan,
 * drain and scrape threads have stopped: a task still running in them would use freed memory
 * (seen once as a SIGSEGV that ended the service a standalone agent ran in).
 */
class ThreadsTest {
  @Test
  void awaitStoppedReturnsOnlyAfterTheTaskUnderWayHasEnded() throws Exception {
    ScheduledExecutorService scan = Threads.scheduler("test");
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean release = new AtomicBoolean();
    AtomicBoolean ended = new AtomicBoolean();
    scan.execute(() -> {
      running.countDown();
      while (!release.get()) {
        Thread.onSpinWait(); // like a native call: deaf to the interrupt of shutdownNow
      }
      ended.set(true);
    });
    running.await();
    scan.shutdownNow();
    Threads.start("release", () -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      release.set(true);
    });
    assertThat(Threads.awaitStopped(60, null, scan)).isTrue();
    assertThat(ended).as("the task had ended when awaitStopped returned").isTrue();
  }

  @Test
  void aTaskThatNeverEndsIsGivenUpOnAtTheBound() throws Exception {
    ScheduledExecutorService stuck = Threads.scheduler("test");
    CountDownLatch running = new CountDownLatch(1);
    AtomicBoolean release = new AtomicBoolean();
    stuck.execute(() -> {
      running.countDown();
      while (!release.get()) {
        Thread.onSpinWait();
      }
    });
    running.await();
    stuck.shutdownNow();
    try {
      assertThat(Threads.awaitStopped(1, stuck)).isFalse();
    } finally {
      release.set(true);
    }
  }
}
