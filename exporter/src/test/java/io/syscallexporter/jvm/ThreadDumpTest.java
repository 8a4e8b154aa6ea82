package io.syscallexporter.jvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.ThreadNames;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ThreadDumpTest {
  @Test
  void readsHexAndDecimalNidsAndSkipsTheJvmsOwnThreads() {
    String dump = """
        "main" #1 prio=5 os_prio=0 cpu=613.79ms elapsed=1.00s tid=0x00007fc780018020 nid=0x2217 waiting on condition  [0x00007fc78591d000]
           java.lang.Thread.State: TIMED_WAITING (sleeping)
        "a "quoted" #7 name" #12 daemon prio=5 os_prio=0 cpu=0.11ms elapsed=0.31s tid=0x00007fc780488250 nid=0x222a waiting
        "io-worker-1" #31 [23311] prio=5 os_prio=0 cpu=1.2ms elapsed=3.4s tid=0x00007f0000001000 nid=23311 runnable  [0x0]
        "GC Thread#1" os_prio=0 cpu=12.97ms elapsed=0.48s tid=0x00007fc744004990 nid=0x2229 runnable
        "ForkJoinPool-1-worker-1" #25 [1060] daemon prio=5 os_prio=0 cpu=0.79ms elapsed=7.29s tid=0x00007f751052cf70  [0x00007f74e1dfc000]
           Carrying virtual thread #24
        """;
    assertThat(ThreadDump.javaIdsByTid(dump))
        .containsEntry(0x2217, 1L).containsEntry(0x222a, 12L).containsEntry(23311, 31L)
        .as("Java 25: a carrier carrying a virtual thread has no nid")
        .containsEntry(1060, 25L).hasSize(4);
    // Every thread by name, the JVM's own (no Java id) too.
    assertThat(ThreadDump.namesByTid(dump)).containsEntry(0x2229, "GC Thread#1")
        .containsEntry(0x222a, "a \"quoted\" #7 name").containsEntry(23311, "io-worker-1")
        .containsEntry(1060, "ForkJoinPool-1-worker-1").hasSize(5);
  }

  @Test
  void findsThisThreadInThisJvm() throws Exception {
    JavaThreads threads = JavaThreads.ofThisJvm(ThreadPoolRules.DEFAULT);
    String name = Thread.currentThread().getName();
    int tid = Integer.parseInt(
        Path.of("/proc/thread-self").toRealPath().getFileName().toString());
    ThreadNames.StuckThread stuck = threads.stuckThread(0, tid, "x").join();
    assertThat(stuck.name()).isEqualTo(name);
    assertThat(stuck.javaStack()).anySatisfy(f -> assertThat(f).contains(
        "ThreadDumpTest.findsThisThreadInThisJvm"));
  }
}
