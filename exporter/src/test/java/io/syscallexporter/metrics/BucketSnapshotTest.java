package io.syscallexporter.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import org.junit.jupiter.api.Test;

class BucketSnapshotTest {
  /** 90 calls of 1 us and 10 of 1 ms, as the kernel buckets them. */
  private static Totals totals() {
    long[] buckets = new long[LatencyBuckets.COUNT];
    buckets[FakeKernel.bucketOf(1_000)] = 90;
    buckets[FakeKernel.bucketOf(1_000_000)] = 10;
    Totals t = new Totals();
    t.add(new HistogramEntry(new SeriesKey("p", 0, 0), 90 * 1_000L + 10 * 1_000_000L, 0,
        buckets));
    return t;
  }

  @Test
  void countAndMeanAreExactAndQuantilesFallInTheirBuckets() {
    BucketSnapshot s = new BucketSnapshot(totals());
    assertThat(s.size()).isEqualTo(100);
    assertThat(s.getMean()).isEqualTo(100_900.0);
    int us = FakeKernel.bucketOf(1_000);
    int ms = FakeKernel.bucketOf(1_000_000);
    assertThat(s.getMedian()).isBetween((double) LatencyBuckets.upperBoundNanos(us - 1),
        (double) LatencyBuckets.upperBoundNanos(us));
    assertThat(s.get99thPercentile()).isBetween((double) LatencyBuckets.upperBoundNanos(ms - 1),
        (double) LatencyBuckets.upperBoundNanos(ms));
    assertThat(s.getMin()).isLessThanOrEqualTo(1_000);
    assertThat(s.getMax()).isGreaterThanOrEqualTo(1_000_000).isLessThan(1_200_000);
    assertThat(s.getValues()).hasSize(2);
    assertThat(s.getStdDev()).isCloseTo(300_000, within(60_000.0));
  }

  @Test
  void anEmptySnapshotIsZero() {
    BucketSnapshot s = new BucketSnapshot(new Totals());
    assertThat(s.getValue(0.99)).isZero();
    assertThat(s.getMax()).isZero();
    assertThat(s.getMean()).isZero();
  }
}
