package io.syscallexporter.collect;

import java.util.HexFormat;
import java.util.List;

/**
 * The trace context a thread published (its OpenTelemetry thread context record) when it made
 * a call, as the kernel read it: ids in lowercase hex, as traces and logs print them.
 * {@link #NONE}: the thread published none, or not a valid one.
 */
public record TraceContext(String traceId, String spanId, boolean sampled) {
  public static final TraceContext NONE = new TraceContext("", "", false);
  private static final HexFormat HEX = HexFormat.of();

  /**
   * From a record's ids and trace flags (bit 0: sampled); NONE when either id is all zeros,
   * which W3C trace context calls invalid.
   */
  public static TraceContext of(byte[] traceId, byte[] spanId, byte flags) {
    if (allZero(traceId) || allZero(spanId)) {
      return NONE;
    }
    return new TraceContext(HEX.formatHex(traceId), HEX.formatHex(spanId), (flags & 1) != 0);
  }

  private static boolean allZero(byte[] id) {
    for (byte x : id) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  public boolean present() {
    return !traceId.isEmpty();
  }

  /** The log line's fields for this context: trace_id and span_id, or none without one. */
  public List<Object> logFields() {
    return present() ? List.of("trace_id", traceId, "span_id", spanId) : List.of();
  }
}
