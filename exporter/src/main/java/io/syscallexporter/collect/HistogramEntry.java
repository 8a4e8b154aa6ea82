package io.syscallexporter.collect;

/**
 * One (process, syscall[, pid]) histogram as read from the kernel. {@code buckets} are the
 * per-bucket (non-cumulative) counts in {@link LatencyBuckets} order.
 */
public record HistogramEntry(SeriesKey key, long sumNanos, long slow, long[] buckets) {}
