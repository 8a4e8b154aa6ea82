package io.syscallexporter.collect;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.process.KernelSymbols;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeoutScannerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");
  private static final int FSYNC = 74;
  private static final int OPENAT = 257;
  private static final long FRAME = 0xffffffff81837345L;

  @TempDir
  Path dir;

  private final FakeKernel kernel = new FakeKernel();
  private final AtomicLong now = new AtomicLong(100 * SECOND);
  private final List<String> log = new ArrayList<>();

  private TimeoutScanner scanner(int logRateLimit) throws Exception {
    return scanner(logRateLimit, ThreadNames.HOST);
  }

  private TimeoutScanner scanner(int logRateLimit, ThreadNames threads) throws Exception {
    ExporterConfig config = Flags.parse("--syscall.timeout=2s");
    Files.writeString(dir.resolve("kallsyms"), "ffffffff81837300 t fuse_wait\n");
    Path task = dir.resolve("proc/10/task/11");
    Files.createDirectories(task);
    Files.writeString(task.resolve("wchan"), "do_fsync");
    return new TimeoutScanner(kernel, X86, new ProcFs(dir.resolve("proc")),
        new KernelSymbols(dir.resolve("kallsyms")), threads, config, now::get,
        new RateLimitedLog(logRateLimit, now::get, log::add));
  }

  /** Threads named as on a host, but a stuck thread as its JVM answers, when it does. */
  private static ThreadNames answeredBy(CompletableFuture<ThreadNames.StuckThread> answer) {
    return answeredBy(() -> answer);
  }

  /** The same, with a new answer each time a stuck thread is asked for. */
  private static ThreadNames answeredBy(
      Supplier<CompletableFuture<ThreadNames.StuckThread>> answers) {
    return new ThreadNames() {
      @Override
      public SeriesKey seriesKey(StuckCall c, boolean perPid) {
        return HOST.seriesKey(c, perPid);
      }

      @Override
      public Labels labelsOf(SeriesKey key, long heldNanos) {
        return HOST.labelsOf(key, heldNanos);
      }

      @Override
      public String nameOf(int pid, int tid, String comm) {
        return HOST.nameOf(pid, tid, comm);
      }

      @Override
      public CompletableFuture<StuckThread> stuckThread(int pid, int tid, String comm) {
        return answers.get();
      }
    };
  }

  private StuckCall stuck(int tid, int nr, long ageNanos, FdKind kind, long... stack) {
    return new StuckCall(tid, tid, 10, nr, now.get() - ageNanos, 5, kind, "db-wal", "db", 0, 0,
        stack, false, -1, false);
  }

  @Test
  void aStuckCallCarriesTheTraceItsThreadPublishedReadOnce() throws Exception {
    TimeoutScanner scanner = scanner(10);
    StuckCall traced = new StuckCall(11, 11, 10, FSYNC, now.get() - 3 * SECOND, 5, FdKind.FILE,
        "db-wal", "db", 0, 0, new long[0], false, -1, true);
    kernel.stuckContexts.put("11/" + traced.startNanos(),
        new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
    kernel.stuck.add(traced);
    kernel.stuck.add(stuck(12, FSYNC, 3 * SECOND, FdKind.FILE)); // registered no record
    scanner.scan();
    scanner.scan();
    assertThat(kernel.contextReads).as("once per call, only where there is a record")
        .isEqualTo(1);
    assertThat(scanner.timedOut()).extracting(c -> c.trace().traceId())
        .containsExactlyInAnyOrder("4bf92f3577b34da6a3ce929d0e0e4736", "");
    assertThat(log).filteredOn(l -> l.contains("tid=11 "))
        .singleElement(as(InstanceOfAssertFactories.STRING))
        .contains("trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7");
    assertThat(log).filteredOn(l -> l.contains("tid=12 ")).singleElement(as(
        InstanceOfAssertFactories.STRING)).doesNotContain("trace_id");
  }

  @Test
  void countsEachStuckCallOnceDescribesItAndLogsBothEnds() throws Exception {
    TimeoutScanner scanner = scanner(10);
    kernel.fdPaths.put("10/5", "/var/lib/db/wal");
    SeriesKey fsync = new SeriesKey("db", 0, FSYNC);
    scanner.scan();
    assertThat(scanner.current()).isEmpty();

    kernel.stuck.add(stuck(11, FSYNC, 3 * SECOND, FdKind.FILE, FRAME));
    scanner.scan();
    // Later scans report the call without its stack: the first description stays.
    kernel.stuck.set(0, stuck(11, FSYNC, 3 * SECOND, FdKind.FILE));
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 1));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));
    assertThat(kernel.fdPathLookups).as("the file is looked up once per call").isEqualTo(1);
    TimedOutCall c = scanner.timedOut().get(0);
    assertThat(c.thread()).isEqualTo("db-wal");
    assertThat(c.file()).isEqualTo("/var/lib/db/wal");
    assertThat(c.wchan()).isEqualTo("do_fsync");
    assertThat(c.kernelStack()).containsExactly("fuse_wait+0x45");
    assertThat(c.ageSeconds(now.get())).isEqualTo(3.0);
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("msg=\"syscall timed out\" syscall=fsync age_seconds=3.000",
        "tid=11 pid=10 process=db thread=db-wal fd=5 file=/var/lib/db/wal wchan=do_fsync"
            + " kernel_stack=fuse_wait+0x45");

    kernel.stuck.clear(); // it returned
    now.addAndGet(SECOND);
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 0));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));
    assertThat(log.get(1)).contains("msg=\"timed-out syscall returned\" syscall=fsync"
        + " latency_seconds_at_most=4.000");

    // The same thread blocks again: a new call, counted again.
    kernel.stuck.add(stuck(11, FSYNC, 5 * SECOND, FdKind.FILE));
    scanner.scan();
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 2L));
  }

  @Test
  void callsWithoutAnFdHaveNoFileAndOldestComesFirst() throws Exception {
    TimeoutScanner scanner = scanner(10);
    kernel.stuck.add(stuck(12, OPENAT, 5 * SECOND, FdKind.NONE));
    kernel.stuck.add(stuck(13, OPENAT, 9 * SECOND, FdKind.NONE));
    scanner.scan();
    assertThat(scanner.timedOut()).extracting(TimedOutCall::tid).containsExactly(13, 12);
    assertThat(scanner.timedOut().get(0).fd()).isNull();
    assertThat(scanner.timedOut().get(0).file()).isNull();
    assertThat(kernel.fdPathLookups).isZero();
    assertThat(scanner.current()).isEqualTo(Map.of(new SeriesKey("db", 0, OPENAT), 2));
  }

  @Test
  void countsLogLinesTheRateLimitDrops() throws Exception {
    TimeoutScanner scanner = scanner(1);
    for (int tid = 20; tid < 25; tid++) {
      kernel.stuck.add(stuck(tid, OPENAT, 5 * SECOND, FdKind.NONE));
    }
    scanner.scan();
    assertThat(log).hasSize(1);
    assertThat(scanner.unlogged()).isEqualTo(4);
  }

  @Test
  void aCallThatBeganBeforeUsIsAtLeastItsAgeAndSaysWhatItResumes() throws Exception {
    TimeoutScanner scanner = scanner(10);
    // A futex wait (202) resumed after a stop, found asleep 7 s when the exporter started.
    kernel.stuck.add(new StuckCall(11, 11, 10, 219, now.get() - 7 * SECOND, 0, FdKind.NONE,
        "locker", "db", 0, 0, new long[0], true, 202, false));
    scanner.scan();
    TimedOutCall c = scanner.timedOut().get(0);
    assertThat(c.beganBefore()).isTrue();
    assertThat(c.resumes()).isEqualTo("futex");
    assertThat(log.get(0)).contains("msg=\"syscall timed out\" syscall=restart_syscall"
        + " resumes=futex age_seconds_at_least=7.000");
    now.addAndGet(2 * SECOND);
    scanner.scan(); // still there: last seen 9 s after the bound
    kernel.stuck.clear();
    now.addAndGet(2 * SECOND);
    scanner.scan();
    // Its start is unknown, so no upper bound: at least as long as the last scan saw it.
    assertThat(log.get(1)).contains("msg=\"timed-out syscall returned\"",
        "latency_seconds_at_least=9.000");
  }

  @Test
  void aJvmsThreadIsShownAtOnceAndDescribedWhenItsJvmAnswers() throws Exception {
    CompletableFuture<ThreadNames.StuckThread> answer = new CompletableFuture<>();
    ThreadNames joined = answeredBy(answer);
    TimeoutScanner scanner = scanner(10, joined);
    kernel.stuck.add(stuck(11, OPENAT, 3 * SECOND, FdKind.NONE));
    scanner.scan();
    // Counted and listed at once, by its comm; logged once described.
    assertThat(scanner.current()).isEqualTo(Map.of(new SeriesKey("db", 0, OPENAT), 1));
    assertThat(scanner.timedOut().get(0).thread()).isEqualTo("db-wal");
    assertThat(log).isEmpty();
    scanner.scan(); // a scan goes on meanwhile, and does not ask again
    answer.complete(new ThreadNames.StuckThread("db-wal-writer-1",
        List.of("com.example.Wal.sync(Wal.java:42)")));
    assertThat(scanner.timedOut().get(0).thread()).isEqualTo("db-wal-writer-1");
    assertThat(scanner.timedOut().get(0).javaStack()).hasSize(1);
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("thread=db-wal-writer-1",
        "java_stack=com.example.Wal.sync(Wal.java:42)");
  }

  /**
   * A call whose thread registered with programs gone since (the host exporter restarted):
   * the kernel has no trace for it, its JVM has; where the kernel has one, it stands.
   */
  @Test
  void theJvmsTraceStandsInOnlyWhereTheKernelHasNone() throws Exception {
    TraceContext fromJvm =
        new TraceContext("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true);
    TimeoutScanner scanner = scanner(10, answeredBy(CompletableFuture.completedFuture(
        new ThreadNames.StuckThread("db-wal-writer-1", List.of(), fromJvm))));
    StuckCall registered = new StuckCall(11, 11, 10, FSYNC, now.get() - 3 * SECOND, 5,
        FdKind.FILE, "db-wal", "db", 0, 0, new long[0], false, -1, true);
    kernel.stuckContexts.put("11/" + registered.startNanos(),
        new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
    kernel.stuck.add(registered);
    kernel.stuck.add(stuck(12, FSYNC, 3 * SECOND, FdKind.FILE)); // no record the kernel knows
    scanner.scan();
    assertThat(scanner.timedOut()).extracting(c -> c.tid() + " " + c.trace().spanId())
        .containsExactlyInAnyOrder("11 00f067aa0ba902b7", "12 b7ad6b7169203331");
    assertThat(log).filteredOn(l -> l.contains("tid=12 ")).singleElement(as(
        InstanceOfAssertFactories.STRING)).contains(
            "trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331");
  }

  /**
   * After this exporter restarts, a call stuck before it is seen before its JVM joins again:
   * logged at once as the kernel names it, asked again at each scan until a JVM answers, then
   * shown as the JVM names it.
   */
  @Test
  void aJvmThatJoinsAfterTheCallWasSeenStillDescribesIt() throws Exception {
    List<CompletableFuture<ThreadNames.StuckThread>> answers = new ArrayList<>(List.of(
        CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null),
        CompletableFuture.completedFuture(new ThreadNames.StuckThread("db-wal-writer-1",
            List.of("com.example.Wal.sync(Wal.java:42)")))));
    int[] asked = {0};
    TimeoutScanner scanner = scanner(10,
        answeredBy(() -> answers.get(Math.min(asked[0]++, answers.size() - 1))));
    kernel.stuck.add(stuck(11, OPENAT, 3 * SECOND, FdKind.NONE));
    scanner.scan();
    assertThat(log).singleElement(as(InstanceOfAssertFactories.STRING))
        .contains("msg=\"syscall timed out\"", "thread=db-wal ");
    scanner.scan();
    assertThat(scanner.timedOut().get(0).thread()).isEqualTo("db-wal");
    scanner.scan(); // it has joined
    assertThat(asked[0]).isEqualTo(3);
    assertThat(scanner.timedOut().get(0).thread()).isEqualTo("db-wal-writer-1");
    assertThat(scanner.timedOut().get(0).javaStack()).hasSize(1);
    scanner.scan();
    assertThat(asked[0]).as("not asked once answered").isEqualTo(3);
    assertThat(log).hasSize(1);
  }

  @Test
  void aCallGoneBeforeItsJvmAnswersIsLoggedAsItWas() throws Exception {
    ThreadNames mute = answeredBy(new CompletableFuture<>()); // never answers
    TimeoutScanner scanner = scanner(10, mute);
    kernel.stuck.add(stuck(11, OPENAT, 3 * SECOND, FdKind.NONE));
    scanner.scan();
    kernel.stuck.clear();
    scanner.scan();
    assertThat(log).hasSize(2);
    assertThat(log.get(0)).contains("msg=\"syscall timed out\"", "thread=db-wal");
    assertThat(log.get(1)).contains("msg=\"timed-out syscall returned\"");
  }
}
