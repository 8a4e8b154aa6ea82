package io.syscallexporter.metrics;

import com.codahale.metrics.Snapshot;
import io.syscallexporter.collect.LatencyBuckets;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * A Dropwizard snapshot, in nanoseconds, computed from a label set's exact kernel buckets
 * instead of a sampling reservoir: the count and mean are exact; a quantile is interpolated
 * within its bucket (4 buckets per power of two, so within 19%), as histogram_quantile does.
 */
final class BucketSnapshot extends Snapshot {
  private final Totals totals;
  private final long count;

  BucketSnapshot(Totals totals) {
    this.totals = totals;
    this.count = totals.count();
  }

  private static long lowerBound(int k) {
    return k == 0 ? 0 : LatencyBuckets.upperBoundNanos(k - 1);
  }

  private static long upperBound(int k) {
    // The overflow bucket has no upper bound: its lower one is the best estimate.
    return k == LatencyBuckets.OVERFLOW ? lowerBound(k) : LatencyBuckets.upperBoundNanos(k);
  }

  @Override
  public double getValue(double quantile) {
    if (quantile < 0 || quantile > 1 || Double.isNaN(quantile)) {
      throw new IllegalArgumentException(quantile + " is not in [0..1]");
    }
    if (count == 0) {
      return 0;
    }
    double rank = quantile * count;
    long below = 0;
    for (int k = totals.firstBucket(); k < totals.endBucket(); k++) {
      long n = totals.bucket(k);
      if (n > 0 && below + n >= rank) {
        double lo = lowerBound(k);
        return lo + (upperBound(k) - lo) * Math.max(0, rank - below) / n;
      }
      below += n;
    }
    return getMax();
  }

  /** One value per non-empty bucket, its upper bound: the observations themselves are not kept. */
  @Override
  public long[] getValues() {
    return java.util.stream.IntStream.range(totals.firstBucket(), totals.endBucket())
        .filter(k -> totals.bucket(k) > 0).mapToLong(BucketSnapshot::upperBound).toArray();
  }

  @Override
  public int size() {
    return (int) Math.min(Integer.MAX_VALUE, count);
  }

  @Override
  public long getMax() {
    for (int k = totals.endBucket() - 1; k >= totals.firstBucket(); k--) {
      if (totals.bucket(k) > 0) {
        return upperBound(k);
      }
    }
    return 0;
  }

  @Override
  public long getMin() {
    for (int k = totals.firstBucket(); k < totals.endBucket(); k++) {
      if (totals.bucket(k) > 0) {
        return lowerBound(k);
      }
    }
    return 0;
  }

  @Override
  public double getMean() {
    return count == 0 ? 0 : (double) totals.sumNanos() / count;
  }

  /** From each bucket's midpoint. */
  @Override
  public double getStdDev() {
    if (count < 2) {
      return 0;
    }
    double mean = getMean();
    double sq = 0;
    for (int k = totals.firstBucket(); k < totals.endBucket(); k++) {
      double mid = (lowerBound(k) + upperBound(k)) / 2.0;
      sq += totals.bucket(k) * (mid - mean) * (mid - mean);
    }
    return Math.sqrt(sq / (count - 1));
  }

  @Override
  public void dump(OutputStream output) {
    PrintWriter out = new PrintWriter(output, false, StandardCharsets.UTF_8);
    for (long v : getValues()) {
      out.println(v);
    }
    out.flush();
  }
}
