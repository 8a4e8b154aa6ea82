package io.syscallexporter.bpf;

import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import java.nio.ByteBuffer;

/**
 * Decodes an entry of the hist map: a struct hist_key and its struct hist_value. The stripe is
 * left out: a series' entries of every stripe decode to one key, and are summed.
 */
final class HistogramRecords {
  private HistogramRecords() {}

  static HistogramEntry decode(ByteBuffer key, ByteBuffer value) {
    long[] buckets = new long[LatencyBuckets.COUNT];
    for (int k = 0; k < buckets.length; k++) {
      buckets[k] = value.getLong(Layouts.HistValue.BUCKETS + 8 * k);
    }
    return new HistogramEntry(seriesKey(key, 0), value.getLong(Layouts.HistValue.SUM_NS),
        value.getLong(Layouts.HistValue.SLOW), buckets);
  }

  /** The series of a struct hist_key at {@code at}. */
  static SeriesKey seriesKey(ByteBuffer b, int at) {
    return new SeriesKey(Comm.read(b, at + Layouts.HistKey.PROCESS),
        b.getInt(at + Layouts.HistKey.PID), b.getInt(at + Layouts.HistKey.NR),
        b.getLong(at + Layouts.HistKey.CGROUP), b.getShort(at + Layouts.HistKey.POOL) & 0xffff);
  }

  /** The drain generation an entry was written under. */
  static int generation(ByteBuffer key) {
    return key.getInt(Layouts.HistKey.GEN);
  }
}
