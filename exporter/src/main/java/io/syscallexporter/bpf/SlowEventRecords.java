package io.syscallexporter.bpf;

import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.TraceContext;
import java.nio.ByteBuffer;

/** Decodes what sys_exit sends through the ring buffer: a struct slow_event per slow call. */
final class SlowEventRecords {
  private SlowEventRecords() {}

  static SlowEvent decode(ByteBuffer e) {
    return new SlowEvent(e.getLong(Layouts.SlowEvent.LATENCY_NS), e.getInt(Layouts.SlowEvent.TID),
        e.getInt(Layouts.SlowEvent.NS_TID), e.getInt(Layouts.SlowEvent.PID),
        e.getInt(Layouts.SlowEvent.NR), Comm.read(e, Layouts.SlowEvent.THREAD),
        Comm.read(e, Layouts.SlowEvent.PROCESS),
        HistogramRecords.seriesKey(e, Layouts.SlowEvent.KEY),
        e.getInt(Layouts.SlowEvent.CONTEXT_STATE) == Layouts.CONTEXT_READ
            ? traceContext(e, Layouts.SlowEvent.CONTEXT) : TraceContext.NONE);
  }

  /**
   * A struct trace_context at {@code at}: NONE unless marked valid with ids that are (all-zero
   * ids are invalid in W3C trace context).
   */
  static TraceContext traceContext(ByteBuffer b, int at) {
    if (b.get(at + Layouts.TraceContext.VALID) != 1) {
      return TraceContext.NONE;
    }
    byte[] trace = new byte[Layouts.TRACE_ID_LEN];
    byte[] span = new byte[Layouts.SPAN_ID_LEN];
    b.get(at + Layouts.TraceContext.TRACE_ID, trace);
    b.get(at + Layouts.TraceContext.SPAN_ID, span);
    return TraceContext.of(trace, span, b.get(at + Layouts.TraceContext.TRACE_FLAGS));
  }
}
