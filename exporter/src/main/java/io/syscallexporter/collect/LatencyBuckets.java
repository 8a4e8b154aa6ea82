package io.syscallexporter.collect;

import io.syscallexporter.bpf.Layouts;

/**
 * The kernel's latency buckets. They follow native histogram schema 2: native bucket i holds
 * latencies in (2^((i-1)/4), 2^(i/4)] seconds. Kernel bucket 0 is the zero bucket (at most
 * 2^(NATIVE_MIN_INDEX/4) s), kernel bucket k in 1..HIST_NATIVE_BUCKETS is native bucket
 * NATIVE_MIN_INDEX + k, and the last kernel bucket holds everything above 2^(NATIVE_MAX_INDEX/4) s.
 *
 * <p>Bounds are compared in whole nanoseconds: a latency of n ns is at most b seconds exactly
 * when n &lt;= floor(b * 1e9), so {@link #upperBoundNanos} makes every bucket exact in seconds.
 */
public final class LatencyBuckets {
  /** The kernel bucket count, including the zero and overflow buckets. */
  public static final int COUNT = Layouts.HIST_BUCKETS;
  public static final int OVERFLOW = COUNT - 1;

  /**
   * The classic ({@code le}) buckets: every second power of two from 2^-20 s (~1 us) to 2^6 s
   * (64 s), 14 buckets. Each is also a kernel bound, so classic counts are exact too.
   */
  private static final int[] CLASSIC_NATIVE_INDEXES = classicIndexes();

  private LatencyBuckets() {}

  private static int[] classicIndexes() {
    int[] indexes = new int[14];
    for (int j = 0; j < indexes.length; j++) {
      indexes[j] = 4 * (-20 + 2 * j);
    }
    return indexes;
  }

  /** Upper bound of kernel bucket k (0..COUNT-2) in seconds. */
  public static double upperBoundSeconds(int k) {
    return Math.pow(2, (Layouts.NATIVE_MIN_INDEX + k) / (double) (1 << Layouts.NATIVE_SCHEMA));
  }

  /** Upper bound of kernel bucket k (0..COUNT-2) in whole nanoseconds, rounded down. */
  public static long upperBoundNanos(int k) {
    return (long) Math.floor(upperBoundSeconds(k) * 1e9);
  }

  /** The bound table the kernel searches: COUNT-1 bounds, padded with the largest u64. */
  public static long[] kernelBoundTable() {
    long[] table = new long[Layouts.BOUNDS_SLOTS];
    for (int k = 0; k < table.length; k++) {
      table[k] = k < COUNT - 1 ? upperBoundNanos(k) : -1L; // -1 is 2^64-1 unsigned
    }
    return table;
  }

  /** Native bucket index of kernel bucket k in 1..COUNT-1 (overflow goes one past the top). */
  public static int nativeIndex(int k) {
    return Layouts.NATIVE_MIN_INDEX + k;
  }

  public static double zeroThresholdSeconds() {
    return upperBoundSeconds(0);
  }

  /** Kernel bucket indexes whose upper bounds are the classic {@code le} bounds. */
  public static int[] classicKernelBuckets() {
    int[] ks = new int[CLASSIC_NATIVE_INDEXES.length];
    for (int j = 0; j < ks.length; j++) {
      ks[j] = CLASSIC_NATIVE_INDEXES[j] - Layouts.NATIVE_MIN_INDEX;
    }
    return ks;
  }
}
