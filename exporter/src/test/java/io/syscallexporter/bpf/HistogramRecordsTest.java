package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class HistogramRecordsTest {
  @Test
  void decodesKeyAndValue() {
    ByteBuffer key = ByteBuffer.allocate(Layouts.HistKey.SIZE).order(ByteOrder.nativeOrder())
        .put(Layouts.HistKey.PROCESS, "nginx".getBytes()).putInt(Layouts.HistKey.PID, 42)
        .putInt(Layouts.HistKey.NR, 0).putInt(Layouts.HistKey.GEN, 1)
        .putLong(Layouts.HistKey.CGROUP, 9876);
    ByteBuffer value = ByteBuffer.allocate(Layouts.HistValue.SIZE).order(ByteOrder.nativeOrder())
        .putLong(Layouts.HistValue.SUM_NS, 5_000).putLong(Layouts.HistValue.SLOW, 2)
        .putLong(Layouts.HistValue.BUCKETS, 3)
        .putLong(Layouts.HistValue.BUCKETS + 8 * (LatencyBuckets.COUNT - 1), 4);

    HistogramEntry e = HistogramRecords.decode(key, value);
    assertThat(e.key()).isEqualTo(new SeriesKey("nginx", 42, 0, 9876));
    assertThat(e.sumNanos()).isEqualTo(5_000);
    assertThat(e.slow()).isEqualTo(2);
    assertThat(e.buckets()).hasSize(LatencyBuckets.COUNT).startsWith(3).endsWith(4);
    assertThat(HistogramRecords.generation(key)).isEqualTo(1);
  }
}
