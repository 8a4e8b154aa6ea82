package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.config.Flags;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HistogramTotalsTest {
  private static final long SECOND = 1_000_000_000L;
  private static final int READ = 0;
  private static final int WRITE = 1;

  private final FakeKernel kernel = new FakeKernel();
  private final AtomicLong now = new AtomicLong();

  private HistogramTotals totals(String... flags) throws Exception {
    var config = Flags.parse(flags);
    return new HistogramTotals(kernel,
        new LabelBudget(SyscallTable.forArch("x86_64"), config, null, ThreadNames.HOST), config,
        now::get);
  }

  private Map<String, Long> counts(HistogramTotals totals) {
    Map<String, Long> out = new HashMap<>();
    totals.forEach((labels, t) -> out.put(labels.process() + "/" + labels.syscall(), t.count()));
    return out;
  }

  @Test
  void drainsMoveKernelCountsIntoTotalsWithoutLosingOrRepeatingAny() throws Exception {
    HistogramTotals totals = totals();
    kernel.histograms.add(FakeKernel.entry("db", READ, 1_000, 5));
    assertThat(counts(totals)).isEqualTo(Map.of("db/read", 5L));

    totals.drain(); // moved: the kernel holds nothing, the totals hold 5
    assertThat(counts(totals)).isEqualTo(Map.of("db/read", 5L));
    kernel.histograms.add(FakeKernel.entry("db", READ, 2_000_000, 3));
    assertThat(counts(totals)).isEqualTo(Map.of("db/read", 8L));
    totals.drain();
    totals.drain();
    assertThat(counts(totals)).isEqualTo(Map.of("db/read", 8L));
    totals.forEach((labels, t) -> {
      assertThat(t.bucket(FakeKernel.bucketOf(1_000))).isEqualTo(5);
      assertThat(t.bucket(FakeKernel.bucketOf(2_000_000))).isEqualTo(3);
      assertThat(t.sumNanos()).isEqualTo(5 * 1_000 + 3 * 2_000_000);
    });
    assertThat(totals.drains()).isEqualTo(3);
  }

  @Test
  void idleLabelSetsLeaveAndComeBackFromZero() throws Exception {
    HistogramTotals totals = totals("--labels.idle-timeout=10m", "--labels.limit=1");
    kernel.histograms.add(FakeKernel.entry("cron", READ, 1_000, 7));
    totals.drain();
    kernel.histograms.add(FakeKernel.entry("late", WRITE, 1_000, 1)); // no room: _other
    totals.drain();
    assertThat(counts(totals)).isEqualTo(Map.of("cron/read", 7L, "_other/write", 1L));

    now.set(11 * 60 * SECOND);
    totals.drain();
    assertThat(counts(totals)).isEmpty();
    assertThat(totals.released()).isEqualTo(2);

    // Room again: a new name gets its own series; a returning one starts from zero.
    kernel.histograms.add(FakeKernel.entry("late", WRITE, 1_000, 2));
    kernel.histograms.add(FakeKernel.entry("cron", READ, 1_000, 1));
    totals.drain();
    Map<String, Long> after = counts(totals);
    assertThat(after).containsEntry("late/write", 2L).hasSize(2);
    assertThat(after.values()).containsExactlyInAnyOrder(2L, 1L);
  }

  @Test
  void keepsNoTotalsApartForAProcessThatHasNotJoined() throws Exception {
    HistogramTotals totals = totals();
    // Keyed by pool, as an agent's own JVM is: nobody to send its own series to.
    long[] buckets = new long[io.syscallexporter.collect.LatencyBuckets.COUNT];
    buckets[10] = 3;
    kernel.histograms.add(new io.syscallexporter.collect.HistogramEntry(
        new io.syscallexporter.collect.SeriesKey("io-worker-1", 100, READ, 0,
            io.syscallexporter.collect.SeriesKey.BY_COMM), 0, 0, buckets));
    totals.drain();
    assertThat(counts(totals)).containsValue(3L);
    List<Long> own = new ArrayList<>();
    totals.forEachDrainedOf(100, (labels, t) -> own.add(t.count()));
    assertThat(own).isEmpty();
  }

  /**
   * A key whose names are not known yet (a pool its JVM has yet to say) is never shown under
   * a guess: its counts wait, drain after drain, and are shown whole once its labels are known.
   */
  @Test
  void countsOfAKeyWhoseNamesAreNotKnownYetWaitAndAreShownWhole() throws Exception {
    Map<String, String> known = new HashMap<>();
    ThreadNames names = new ThreadNames() {
      @Override
      public io.syscallexporter.collect.SeriesKey seriesKey(
          io.syscallexporter.collect.StuckCall c, boolean perPid) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Labels labelsOf(io.syscallexporter.collect.SeriesKey key, long heldNanos) {
        String pool = known.get(key.process());
        return pool == null ? null : new Labels("svc", pool);
      }

      @Override
      public String nameOf(int pid, int tid, String comm) {
        return comm;
      }

      @Override
      public java.util.concurrent.CompletableFuture<StuckThread> stuckThread(int pid, int tid,
          String comm) {
        throw new UnsupportedOperationException();
      }
    };
    var config = Flags.parse(new String[0]);
    HistogramTotals totals = new HistogramTotals(kernel,
        new LabelBudget(SyscallTable.forArch("x86_64"), config, null, names), config, now::get);
    Map<String, Long> shown = new HashMap<>();
    kernel.histograms.add(FakeKernel.entry("qtp1234-15-", READ, 1_000, 5));
    totals.forEach((labels, t) -> shown.put(labels.thread(), t.count()));
    assertThat(shown).as("scraped before its names are known").isEmpty();
    totals.drain();
    kernel.histograms.add(FakeKernel.entry("qtp1234-15-", READ, 1_000, 2));
    totals.drain();
    totals.forEach((labels, t) -> shown.put(labels.thread(), t.count()));
    assertThat(shown).as("drained twice, names still not known").isEmpty();

    known.put("qtp1234-15-", "qtp*-*-acceptor-0");
    kernel.histograms.add(FakeKernel.entry("qtp1234-15-", READ, 1_000, 1));
    totals.forEach((labels, t) -> shown.put(labels.thread(), t.count()));
    assertThat(shown).as("the kernel's count, shown once known")
        .isEqualTo(Map.of("qtp*-*-acceptor-0", 1L));
    totals.drain();
    totals.forEach((labels, t) -> shown.put(labels.thread(), t.count()));
    assertThat(shown).as("the waiting counts join it").isEqualTo(Map.of("qtp*-*-acceptor-0", 8L));
  }

  @Test
  void drainsEarlyWhenAStormOfLabelSetsWouldFillTheMap() throws Exception {
    kernel.maxEntries = 100;
    HistogramTotals totals = totals("--drain.interval=10s");
    totals.drainIfDue();
    assertThat(totals.drains()).isZero();
    kernel.labelSetsCreated = 24;
    totals.drainIfDue();
    assertThat(totals.drains()).isZero();
    kernel.labelSetsCreated = 25; // a quarter of the map since the last drain
    totals.drainIfDue();
    assertThat(totals.drains()).isEqualTo(1);
    totals.drainIfDue();
    assertThat(totals.drains()).isEqualTo(1);
    now.addAndGet(10 * SECOND); // or when the interval is up
    totals.drainIfDue();
    assertThat(totals.drains()).isEqualTo(2);
  }
}
