package io.syscallexporter.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.config.Flags;
import io.syscallexporter.process.ProcessNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeoutScannerTest {
  private static final long SECOND = 1_000_000_000L;

  @TempDir
  Path proc;

  private final FakeKernel kernel = new FakeKernel();
  private final AtomicLong now = new AtomicLong(100 * SECOND);

  private TimeoutScanner scanner() throws Exception {
    return new TimeoutScanner(kernel, new ProcessNames(proc), Flags.parse("--syscall.timeout=2s"),
        now::get);
  }

  private void process(int pid, String name) throws Exception {
    Files.createDirectories(proc.resolve(Integer.toString(pid)));
    Files.writeString(proc.resolve(pid + "/comm"), name + "\n");
  }

  @Test
  void countsCallsPastTheTimeoutOnceEach() throws Exception {
    process(10, "db");
    TimeoutScanner scanner = scanner();
    SeriesKey fsync = new SeriesKey("db", 0, 74);
    kernel.inflight.add(new InflightEntry(11, 10, 74, now.get() - SECOND)); // 1 s: not yet
    scanner.scan();
    assertThat(scanner.current()).isEmpty();

    now.addAndGet(2 * SECOND); // 3 s
    scanner.scan();
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 1));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));

    kernel.inflight.clear(); // it returned
    scanner.scan();
    assertThat(scanner.current()).isEqualTo(Map.of(fsync, 0));
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 1L));

    // The same thread blocks again: a new call, counted again.
    kernel.inflight.add(new InflightEntry(11, 10, 74, now.get() - 5 * SECOND + 1));
    scanner.scan();
    assertThat(scanner.totals()).isEqualTo(Map.of(fsync, 2L));
    assertThat(scanner.scans()).isEqualTo(5);
  }

  @Test
  void skipsProcessesThatAreGone() throws Exception {
    TimeoutScanner scanner = scanner();
    kernel.inflight.add(new InflightEntry(99, 98, 0, now.get() - 10 * SECOND));
    scanner.scan();
    assertThat(scanner.current()).isEmpty();
    assertThat(scanner.totals()).isEmpty();
  }
}
