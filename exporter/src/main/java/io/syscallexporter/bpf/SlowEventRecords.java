package io.syscallexporter.bpf;

import io.syscallexporter.collect.SlowEvent;
import java.nio.ByteBuffer;

/** Decodes what sys_exit sends through the ring buffer: a struct slow_event per slow call. */
final class SlowEventRecords {
  private SlowEventRecords() {}

  static SlowEvent decode(ByteBuffer e) {
    return new SlowEvent(e.getLong(Layouts.SlowEvent.LATENCY_NS), e.getInt(Layouts.SlowEvent.TID),
        e.getInt(Layouts.SlowEvent.NS_TID), e.getInt(Layouts.SlowEvent.PID),
        e.getInt(Layouts.SlowEvent.NR), Comm.read(e, Layouts.SlowEvent.THREAD),
        Comm.read(e, Layouts.SlowEvent.PROCESS));
  }
}
