package io.syscallexporter.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.bpf.Layouts;
import org.junit.jupiter.api.Test;

class LatencyBucketsTest {
  @Test
  void boundsAreSchemaTwoInSeconds() {
    assertThat(LatencyBuckets.upperBoundSeconds(0)).isEqualTo(Math.pow(2, -26));
    // Kernel bucket k is native bucket NATIVE_MIN_INDEX + k: upper bound 2^(index/4).
    int k = 4 * 26; // native index 0
    assertThat(LatencyBuckets.nativeIndex(k)).isZero();
    assertThat(LatencyBuckets.upperBoundSeconds(k)).isEqualTo(1.0);
    assertThat(LatencyBuckets.upperBoundNanos(k)).isEqualTo(1_000_000_000L);
    assertThat(LatencyBuckets.upperBoundSeconds(LatencyBuckets.COUNT - 2))
        .isEqualTo(Math.pow(2, 16));
  }

  @Test
  void everyLatencyLandsInTheBucketWhoseSecondsItIsIn() {
    for (int k = 0; k < LatencyBuckets.COUNT - 1; k++) {
      long bound = LatencyBuckets.upperBoundNanos(k);
      assertThat(FakeKernel.bucketOf(bound)).as("at bound %d", k).isEqualTo(k);
      assertThat(FakeKernel.bucketOf(bound + 1)).as("just above bound %d", k).isEqualTo(k + 1);
      // n ns is at most the bound in seconds exactly when n <= the rounded-down bound.
      assertThat(bound / 1e9).isLessThanOrEqualTo(LatencyBuckets.upperBoundSeconds(k));
      assertThat((bound + 1) / 1e9).isGreaterThan(LatencyBuckets.upperBoundSeconds(k));
    }
    assertThat(FakeKernel.bucketOf(0)).isZero();
    assertThat(FakeKernel.bucketOf(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.OVERFLOW);
  }

  @Test
  void kernelTableIsSortedAndPadded() {
    long[] table = LatencyBuckets.kernelBoundTable();
    assertThat(table).hasSize(Layouts.BOUNDS_SLOTS);
    for (int k = 1; k < LatencyBuckets.COUNT - 1; k++) {
      assertThat(table[k]).isGreaterThan(table[k - 1]);
    }
    for (int k = LatencyBuckets.COUNT - 1; k < table.length; k++) {
      assertThat(table[k]).isEqualTo(-1L); // u64 max: nothing is above it
    }
  }

  @Test
  void classicBucketsAreKernelBoundsAtPowersOfFour() {
    int[] ks = LatencyBuckets.classicKernelBuckets();
    assertThat(ks).hasSize(14);
    assertThat(LatencyBuckets.upperBoundSeconds(ks[0])).isEqualTo(Math.pow(2, -20));
    assertThat(LatencyBuckets.upperBoundSeconds(ks[13])).isEqualTo(64.0);
  }
}
