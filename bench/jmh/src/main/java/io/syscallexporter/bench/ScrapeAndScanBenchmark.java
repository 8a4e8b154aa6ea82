package io.syscallexporter.bench;

import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.bridge.MetricsModelBridge;
import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.FdKind;
import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.metrics.HistogramTotals;
import io.syscallexporter.metrics.LabelBudget;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TraceExemplars;
import io.syscallexporter.process.KernelSymbols;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.service.PortableFamilies;
import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The exporter's user-space work, on kernel data of a busy host held in memory: a scrape of
 * 5,000 label sets (text and protobuf) from the running totals, a drain of 5,000 label sets
 * into them, a scan that reports 5,000 stuck calls, and the agent's part of a service's own
 * endpoint (its snapshot, and a service's scrape through the bridge). What the kernel maps
 * cost to read is measured by bench/run.sh against the real kernel.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ScrapeAndScanBenchmark {
  private PrometheusRegistry registry;
  private TimeoutScanner scanner;
  /** A service's own registry, with the agent's bridge serving the same 5,000 label sets. */
  private PrometheusRegistry service;

  @Setup
  public void setUp() throws Exception {
    FakeKernel kernel = new FakeKernel();
    kernel.histograms.addAll(busyHost());
    long now = System.nanoTime();
    for (int t = 0; t < 5_000; t++) {
      // Calls the kernel reports as stuck, scan after scan (described once, then known).
      kernel.stuck.add(new StuckCall(100_000 + t, 100_000 + t, 100_000, 257, now - t, 3, FdKind.NONE,
          "worker", "server", 0, 0, new long[0], false, -1, false));
    }
    ExporterConfig config = Flags.parse();
    SyscallTable syscalls = SyscallTable.forArch("x86_64");
    LabelBudget budget = new LabelBudget(syscalls, config, null, ThreadNames.HOST);
    HistogramTotals totals = new HistogramTotals(kernel, budget, config);
    totals.drain(); // the steady state: running totals, little in the kernel since
    registry = new PrometheusRegistry();
    registry.register(new SyscallLatencyCollector(totals, config,
        new TraceExemplars(budget, config)));
    scanner = new TimeoutScanner(kernel, syscalls, new ProcFs(), new KernelSymbols(),
        ThreadNames.HOST, config);
    List<Map<String, Object>> snapshot = PortableFamilies.of(registry.scrape());
    service = new PrometheusRegistry();
    service.register(new MetricsModelBridge(() -> snapshot,
        PortableFamilies.names(registry.scrape())));
  }

  /** 500 processes x 10 syscalls, each with ~12 populated buckets. */
  static List<HistogramEntry> busyHost() {
    Random random = new Random(42);
    List<HistogramEntry> entries = new ArrayList<>();
    for (int p = 0; p < 500; p++) {
      for (int nr = 0; nr < 10; nr++) {
        long[] buckets = new long[LatencyBuckets.COUNT];
        for (int b = 0; b < 12; b++) {
          buckets[30 + random.nextInt(80)] += 1 + random.nextInt(100_000);
        }
        entries.add(new HistogramEntry(new SeriesKey("proc" + p, 0, nr * 7),
            random.nextInt(1 << 30), 0, buckets));
      }
    }
    return entries;
  }

  /** Totals that every drain finds 5,000 label sets' worth of new counts for. */
  @State(Scope.Thread)
  public static class Draining {
    final FakeKernel kernel = new FakeKernel();
    final List<HistogramEntry> counts = busyHost();
    HistogramTotals totals;

    @Setup
    public void setUp() throws Exception {
      ExporterConfig config = Flags.parse();
      totals = new HistogramTotals(kernel,
          new LabelBudget(SyscallTable.forArch("x86_64"), config, null, ThreadNames.HOST), config);
    }

    @Setup(Level.Invocation)
    public void refill() {
      kernel.histograms.addAll(counts);
    }
  }

  @Benchmark
  public void drain5000LabelSets(Draining d) {
    d.totals.drain();
  }

  private static final OutputStream DISCARD = new OutputStream() {
    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  };

  @Benchmark
  public void scrapeText5000LabelSets() throws IOException {
    PrometheusTextFormatWriter.create().write(DISCARD, registry.scrape());
  }

  @Benchmark
  public void scrapeProtobuf5000LabelSets() throws IOException {
    new PrometheusProtobufWriter().write(DISCARD, registry.scrape());
  }

  /** The agent's snapshot for a service's endpoint, taken every second. */
  @Benchmark
  public List<Map<String, Object>> serviceSnapshot5000LabelSets() {
    return PortableFamilies.of(registry.scrape());
  }

  /** What the bridge adds to a scrape of the service's own endpoint (text). */
  @Benchmark
  public void serviceScrapeText5000LabelSets() throws IOException {
    PrometheusTextFormatWriter.create().write(DISCARD, service.scrape());
  }

  @Benchmark
  public void scan5000StuckCalls() {
    scanner.scan();
  }
}
