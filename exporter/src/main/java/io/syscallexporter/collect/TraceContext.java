package io.syscallexporter.collect;

import java.util.List;

/**
 * The trace context a thread published (its OpenTelemetry thread context record) when it made
 * a call, as the kernel read it: ids in lowercase hex, as traces and logs print them.
 * {@link #NONE}: the thread published none, or not a valid one.
 */
public record TraceContext(String traceId, String spanId, boolean sampled) {
  public static final TraceContext NONE = new TraceContext("", "", false);

  public boolean present() {
    return !traceId.isEmpty();
  }

  /** The log line's fields for this context: trace_id and span_id, or none without one. */
  public List<Object> logFields() {
    return present() ? List.of("trace_id", traceId, "span_id", spanId) : List.of();
  }
}
