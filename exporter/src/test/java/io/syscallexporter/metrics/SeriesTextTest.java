package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.syscallexporter.collect.FakeKernel;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SeriesTextTest {
  @Test
  void aJvmGetsExactlyItsOwnThreadSeriesBack() {
    Totals reads = new Totals();
    reads.add(FakeKernel.entry("io-worker-*", 0, 20_000, 4000));
    Totals other = new Totals();
    other.add(FakeKernel.entry("nginx", 0, 1_000, 7));
    LabelSet pool = new LabelSet("read", "checkout", null, null, "io-worker-*");
    Map<LabelSet, Totals> totals = Map.of(pool, reads,
        new LabelSet("read", "nginx", null, null, null), other,
        new LabelSet("read", "billing", null, null, "io-worker-*"), other);

    Exemplars traced = Exemplars.of(Exemplar.builder().value(2.5)
        .traceId("4bf92f3577b34da6a3ce929d0e0e4736").spanId("00f067aa0ba902b7")
        .timestampMillis(1_796_000_000_123L).build());
    String text = SeriesText.encode(totals, Map.of(pool, 2.0), Map.of(pool, traced),
        "checkout");
    assertThat(text.lines()).hasSize(1);
    JmxPublisher.Source back = SeriesText.decode(text, "checkout");
    assertThat(back.totals()).containsOnlyKeys(pool);
    Totals t = back.totals().get(pool);
    assertThat(t.count()).isEqualTo(4000);
    assertThat(t.sumNanos()).isEqualTo(reads.sumNanos());
    for (int k = reads.firstBucket(); k < reads.endBucket(); k++) {
      assertThat(t.bucket(k)).isEqualTo(reads.bucket(k));
    }
    assertThat(back.timedOut()).containsEntry(pool, 2.0);
    Exemplar e = back.exemplars().get(pool).get(0);
    assertThat(e.getValue()).isEqualTo(2.5);
    assertThat(e.getLabels().get(Exemplar.TRACE_ID)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(e.getLabels().get(Exemplar.SPAN_ID)).isEqualTo("00f067aa0ba902b7");
    assertThat(e.getTimestampMillis()).isEqualTo(1_796_000_000_123L);
  }

  @Test
  void anOlderExportersLinesWithoutExemplarsStillRead() {
    JmxPublisher.Source s = SeriesText.decode("read\tio-*\t5\t1\t0\t10:2\n", "p");
    assertThat(s.totals()).hasSize(1);
    assertThat(s.exemplars()).isEmpty();
  }

  @Test
  void linesThatDoNotParseAreLeftOut() {
    JmxPublisher.Source s = SeriesText.decode("read\tx\t1\t0\t0\t3:notanumber\nbad line\n"
        + "read\ty\t5\t0\t0\t9999:1\nread\tz\t5\t1\t0\t10:2\n", "p");
    assertThat(s.totals()).hasSize(1);
    assertThat(s.totals().keySet().iterator().next().thread()).isEqualTo("z");
  }
}
