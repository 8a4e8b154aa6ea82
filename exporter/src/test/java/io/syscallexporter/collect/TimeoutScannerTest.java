package io.syscallexporter.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeoutScannerTest {
  private static final long SECOND = 1_000_000_000L;
  private static final SyscallTable X86 = SyscallTable.forArch("x86_64");
  private static final int READ = 0;
  private static final int FSYNC = 74;
  private static final int FUTEX = 202;
  private static final int OPENAT = 257;

  @TempDir
  Path proc;

  private final FakeKernel kernel = new FakeKernel();
  private final AtomicLong now = new AtomicLong(100 * SECOND);
  private final List<String> log = new ArrayList<>();

  private TimeoutScanner scanner(SyscallPolicy policy) throws Exception {
    ExporterConfig config = Flags.parse("--syscall.timeout=2s");
    return new TimeoutScanner(kernel, X86, new ProcFs(proc), policy, config, now::get, log::add);
  }

  private TimeoutScanner scanner() throws Exception {
    return scanner(SyscallPolicy.defaults(Duration.ofSeconds(2)));
  }

  private void thread(int pid, int tid, String name) throws Exception {
    Path task = proc.resolve(pid + "/task/" + tid);
    Files.createDirectories(task.resolve("fd"));
    Files.writeString(task.resolve("comm"), name + "\n");
    Files.writeString(task.resolve("wchan"), "do_fsync");
  }

  private void fd(int pid, int tid, int fd, String target) throws Exception {
    Files.createSymbolicLink(proc.resolve(pid + "/task/" + tid + "/fd/" + fd), Path.of(target));
  }

  private void call(int tid, int pid, int nr, long ageNanos, long arg0) {
    kernel.inflight.add(new InflightEntry(tid, pid, nr, now.get() - ageNanos, arg0));
  }

  @Test
  void countsCallsPastTheTimeoutOnceEachAndLogsBothEnds() throws Exception {
    thread(10, 10, "db");
    thread(10, 11, "db-wal");
    fd(10, 11, 5, "/var/lib/db/wal");
    TimeoutScanner scanner = scanner();
    SeriesKey fsync = new SeriesKey("db", 0, FSYNC);
    call(11, 10, FSYNC, SECOND, 5); // 1 s: not yet
    scanner.scan();
    assertThat(scanner.current()).isEmpty();

    now.addAndGet(2 * SECOND); // 3 s
    scanner.scan();
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 1));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));
    TimedOutCall c = scanner.timedOut().get(0);
    assertThat(c.thread()).isEqualTo("db-wal");
    assertThat(c.fdTarget()).isEqualTo("/var/lib/db/wal");
    assertThat(c.wchan()).isEqualTo("do_fsync");
    assertThat(c.ageSeconds(now.get())).isEqualTo(3.0);
    assertThat(log).hasSize(1);
    assertThat(log.get(0)).contains("msg=\"syscall timed out\" syscall=fsync age_seconds=3.000",
        "tid=11 pid=10 process=db thread=db-wal fd=5 file=/var/lib/db/wal wchan=do_fsync");

    kernel.inflight.clear(); // it returned
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 0));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));
    assertThat(log.get(1)).contains("msg=\"timed-out syscall returned\" syscall=fsync"
        + " latency_seconds_at_most=3.000");

    // The same thread blocks again: a new call, counted again.
    call(11, 10, FSYNC, 5 * SECOND, 5);
    scanner.scan();
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 2L));
  }

  @Test
  void waitsByDesignAndFdsThatAreNotFilesDoNotCount() throws Exception {
    thread(20, 20, "server");
    thread(20, 21, "conn");
    fd(20, 21, 3, "socket:[1234]");
    thread(20, 22, "worker");
    fd(20, 22, 4, "pipe:[99]");
    thread(20, 23, "reader");
    fd(20, 23, 6, "/srv/data.bin");
    thread(20, 24, "opener");
    TimeoutScanner scanner = scanner();
    call(20, 20, FUTEX, 60 * SECOND, 0);
    call(21, 20, READ, 60 * SECOND, 3);
    call(22, 20, READ, 60 * SECOND, 4);
    call(23, 20, READ, 60 * SECOND, 6);
    call(24, 20, OPENAT, 60 * SECOND, -100);
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(
        new SeriesKey("server", 0, READ), 1, new SeriesKey("server", 0, OPENAT), 1));
    assertThat(scanner.timedOut()).extracting(TimedOutCall::tid).containsExactly(23, 24);
  }

  @Test
  void configuredTimeoutsCountWaitsAndExclusionsWin() throws Exception {
    thread(30, 30, "app");
    SyscallPolicy policy = new SyscallPolicy(Duration.ofSeconds(2),
        Map.of("futex", Duration.ofSeconds(1)), Set.of("openat"), Set.of(), Set.of());
    TimeoutScanner scanner = scanner(policy);
    call(30, 30, FUTEX, 1500_000_000L, 0);
    call(31, 30, OPENAT, 60 * SECOND, 0);
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(new SeriesKey("app", 0, FUTEX), 1));
  }

  @Test
  void skipsProcessesThatAreGone() throws Exception {
    TimeoutScanner scanner = scanner();
    call(99, 98, OPENAT, 10 * SECOND, 0);
    scanner.scan();
    assertThat(scanner.current()).isEmpty();
    assertThat(scanner.totals()).isEmpty();
  }
}
