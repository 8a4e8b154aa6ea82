package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

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

    String text = SeriesText.encode(totals, Map.of(pool, 2.0), "checkout");
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
  }

  @Test
  void linesThatDoNotParseAreLeftOut() {
    JmxPublisher.Source s = SeriesText.decode("read\tx\t1\t0\t0\t3:notanumber\nbad line\n"
        + "read\ty\t5\t0\t0\t9999:1\nread\tz\t5\t1\t0\t10:2\n", "p");
    assertThat(s.totals()).hasSize(1);
    assertThat(s.totals().keySet().iterator().next().thread()).isEqualTo("z");
  }
}
