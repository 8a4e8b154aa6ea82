package io.syscallexporter.collect;

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
}
