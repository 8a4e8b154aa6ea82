package io.syscallexporter.metrics;

import io.syscallexporter.collect.HistogramEntry;
import java.util.Arrays;

/**
 * One label set's histogram totals. Buckets are kept from the lowest to the highest one that
 * ever counted (a syscall's latencies span a few dozen of the 170), so thousands of label sets
 * fit a small heap.
 */
public final class Totals {
  private int first;
  private long[] counts = new long[0];
  long sumNanos;
  long slow;

  /** Adds a kernel entry's counts. */
  void add(HistogramEntry e) {
    long[] b = e.buckets();
    for (int k = 0; k < b.length; k++) {
      if (b[k] != 0) {
        grow(k);
        counts[k - first] += b[k];
      }
    }
    sumNanos += e.sumNanos();
    slow += e.slow();
  }

  /** Adds another's counts. */
  void add(Totals other) {
    for (int i = 0; i < other.counts.length; i++) {
      if (other.counts[i] != 0) {
        grow(other.first + i);
        counts[other.first + i - first] += other.counts[i];
      }
    }
    sumNanos += other.sumNanos;
    slow += other.slow;
  }

  /** A new Totals holding both. */
  Totals plus(Totals other) {
    Totals t = new Totals();
    t.first = first;
    t.counts = counts.clone();
    t.sumNanos = sumNanos;
    t.slow = slow;
    t.add(other);
    return t;
  }

  private void grow(int k) {
    if (counts.length == 0) {
      first = k;
      counts = new long[1];
    } else if (k < first) {
      long[] c = new long[counts.length + first - k];
      System.arraycopy(counts, 0, c, first - k, counts.length);
      counts = c;
      first = k;
    } else if (k >= first + counts.length) {
      counts = Arrays.copyOf(counts, k - first + 1);
    }
  }

  /** The count of kernel bucket k. */
  public long bucket(int k) {
    int i = k - first;
    return i >= 0 && i < counts.length ? counts[i] : 0;
  }

  /** The lowest kernel bucket that may be non-zero. */
  public int firstBucket() {
    return first;
  }

  /** One past the highest kernel bucket that may be non-zero. */
  public int endBucket() {
    return first + counts.length;
  }

  public long count() {
    long n = 0;
    for (long c : counts) {
      n += c;
    }
    return n;
  }

  public long sumNanos() {
    return sumNanos;
  }

  public long slow() {
    return slow;
  }
}
