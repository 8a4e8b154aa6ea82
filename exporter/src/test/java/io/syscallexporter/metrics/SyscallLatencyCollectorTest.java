package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.config.Flags;
import io.syscallexporter.syscalls.SyscallTable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SyscallLatencyCollectorTest {
  private final FakeKernel kernel = new FakeKernel();
  private LabelBudget budget;
  private TraceExemplars exemplars;

  private SyscallLatencyCollector collector(String... flags) throws Exception {
    var config = Flags.parse(flags);
    budget = new LabelBudget(SyscallTable.forArch("x86_64"), config, null, ThreadNames.HOST);
    exemplars = new TraceExemplars(budget, config);
    return new SyscallLatencyCollector(new HistogramTotals(kernel, budget, config), config,
        exemplars);
  }

  @Test
  void exportsClassicAndNativeBucketsFromKernelCounts() throws Exception {
    kernel.histograms.add(FakeKernel.entry("app", 35, 20_000_000L, 10)); // 10 x 20 ms nanosleep
    MetricSnapshots snapshots = collector().collect();

    HistogramSnapshot h = (HistogramSnapshot) snapshots.get(0);
    HistogramDataPointSnapshot p = h.getDataPoints().get(0);
    assertThat(p.getLabels().get("syscall")).isEqualTo("nanosleep");
    assertThat(p.getLabels().get("process")).isEqualTo("app");
    assertThat(p.getCount()).isEqualTo(10);
    assertThat(p.getSum()).isEqualTo(0.2);
    assertThat(p.getNativeSchema()).isEqualTo(2);
    assertThat(p.getNativeBucketsForPositiveValues().getBucketIndex(0)).isEqualTo(-22);
    assertThat(p.getNativeBucketsForPositiveValues().getCount(0)).isEqualTo(10);

    String text = text(snapshots);
    assertThat(text).contains(
        "syscall_duration_seconds_bucket{process=\"app\",syscall=\"nanosleep\",le=\"0.015625\"} 0",
        "syscall_duration_seconds_bucket{process=\"app\",syscall=\"nanosleep\",le=\"0.0625\"} 10",
        "syscall_duration_seconds_count{process=\"app\",syscall=\"nanosleep\"} 10",
        "syscall_slow_total{process=\"app\",syscall=\"nanosleep\"} 0");
  }

  @Test
  void sumsSeriesOverTheLabelLimitIntoOther() throws Exception {
    kernel.histograms.add(FakeKernel.entry("a", 0, 1000, 1));
    kernel.histograms.add(FakeKernel.entry("b", 0, 1000, 2));
    kernel.histograms.add(FakeKernel.entry("c", 0, 1000, 3));
    String text = text(collector("--labels.limit=1").collect());
    assertThat(text).contains(
        "syscall_duration_seconds_count{process=\"a\",syscall=\"read\"} 1",
        "syscall_duration_seconds_count{process=\"_other\",syscall=\"read\"} 5");
  }

  private static String text(MetricSnapshots snapshots) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }

  private static SlowEvent slow(long nanos, String traceId, boolean sampled) {
    return new SlowEvent(nanos, 7, 7, 7, 74, "w", "app", new SeriesKey("app", 0, 74),
        new TraceContext(traceId, "00f067aa0ba902b7", sampled));
  }

  @Test
  void slowCallsInSampledTracesAreExemplarsOfTheirBucket() throws Exception {
    kernel.histograms.add(FakeKernel.entry("app", 74, 300_000_000L, 3)); // 3 x 300 ms fsync
    SyscallLatencyCollector collector = collector();
    String first = "4bf92f3577b34da6a3ce929d0e0e4736";
    String latest = "0af7651916cd43dd8448eb211c80319c";
    exemplars.accept(slow(300_000_000L, first, true));
    exemplars.accept(slow(290_000_000L, latest, true)); // the same bucket: the latest stays
    exemplars.accept(slow(310_000_000L, "11111111111111111111111111111111", false)); // unsampled
    exemplars.accept(new SlowEvent(300_000_000L, 7, 7, 7, 74, "w", "app",
        new SeriesKey("app", 0, 74), TraceContext.NONE)); // outside any span

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new OpenMetricsTextFormatWriter(false, false).write(out, collector.collect());
    String text = out.toString(StandardCharsets.UTF_8);
    assertThat(text).containsPattern("syscall_duration_seconds_bucket\\{process=\"app\","
        + "syscall=\"fsync\",le=\"1.0\"} 3 # \\{span_id=\"00f067aa0ba902b7\",trace_id=\""
        + latest + "\"} 0.29 \\d+\\.\\d+");
    assertThat(text).doesNotContain(first).doesNotContain("1111111111");
    assertThat(text.lines().filter(l -> l.contains(" # {"))).hasSize(1);

    // The protobuf format (native histograms) carries it on the same classic bucket.
    ByteArrayOutputStream proto = new ByteArrayOutputStream();
    new PrometheusProtobufWriter().write(proto, collector.collect());
    Metrics.MetricFamily family = Metrics.MetricFamily.parseDelimitedFrom(
        new ByteArrayInputStream(proto.toByteArray()));
    Metrics.Bucket bucket = family.getMetric(0).getHistogram().getBucketList().stream()
        .filter(b -> b.getUpperBound() == 1.0).findFirst().orElseThrow();
    assertThat(bucket.getExemplar().getLabelList())
        .extracting(l -> l.getName() + "=" + l.getValue()).contains("trace_id=" + latest, "span_id=00f067aa0ba902b7");
    assertThat(bucket.getExemplar().getValue()).isEqualTo(0.29);
  }
}
