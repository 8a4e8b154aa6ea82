package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.TraceContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class SlowEventRecordsTest {
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN = "00f067aa0ba902b7";

  private static ByteBuffer event(int contextState, int valid) {
    int key = Layouts.SlowEvent.KEY;
    int context = Layouts.SlowEvent.CONTEXT;
    return ByteBuffer.allocate(Layouts.SlowEvent.SIZE).order(ByteOrder.nativeOrder())
        .putLong(Layouts.SlowEvent.LATENCY_NS, 3_000_000_123L)
        .putInt(Layouts.SlowEvent.TID, 4811).putInt(Layouts.SlowEvent.NS_TID, 7)
        .putInt(Layouts.SlowEvent.PID, 4800).putInt(Layouts.SlowEvent.NR, 74)
        .put(Layouts.SlowEvent.THREAD, "wal-writer".getBytes())
        .put(Layouts.SlowEvent.PROCESS, "postgres".getBytes())
        .put(key + Layouts.HistKey.PROCESS, "postgres".getBytes())
        .putInt(key + Layouts.HistKey.PID, 4800).putInt(key + Layouts.HistKey.NR, 74)
        .putShort(key + Layouts.HistKey.POOL, (short) 0)
        .putLong(key + Layouts.HistKey.CGROUP, 9001)
        .putInt(Layouts.SlowEvent.CONTEXT_STATE, contextState)
        .put(context + Layouts.TraceContext.TRACE_ID, HexFormat.of().parseHex(TRACE))
        .put(context + Layouts.TraceContext.SPAN_ID, HexFormat.of().parseHex(SPAN))
        .put(context + Layouts.TraceContext.VALID, (byte) valid)
        .put(context + Layouts.TraceContext.TRACE_FLAGS, (byte) 1);
  }

  @Test
  void decodesEveryField() {
    assertThat(SlowEventRecords.decode(event(Layouts.CONTEXT_READ, 1)))
        .isEqualTo(new SlowEvent(3_000_000_123L, 4811, 7, 4800, 74, "wal-writer", "postgres",
            new SeriesKey("postgres", 4800, 74, 9001), new TraceContext(TRACE, SPAN, true)));
  }

  @Test
  void aContextNotReadOrNotValidIsNone() {
    assertThat(SlowEventRecords.decode(event(Layouts.CONTEXT_NONE, 1)).context())
        .isEqualTo(TraceContext.NONE);
    assertThat(SlowEventRecords.decode(event(Layouts.CONTEXT_FAULT, 1)).context())
        .isEqualTo(TraceContext.NONE);
    assertThat(SlowEventRecords.decode(event(Layouts.CONTEXT_READ, 0)).context())
        .isEqualTo(TraceContext.NONE);
  }

  @Test
  void allZeroIdsAreNone() {
    ByteBuffer e = event(Layouts.CONTEXT_READ, 1);
    e.put(Layouts.SlowEvent.CONTEXT + Layouts.TraceContext.TRACE_ID, new byte[16]);
    assertThat(SlowEventRecords.decode(e).context()).isEqualTo(TraceContext.NONE);
  }
}
