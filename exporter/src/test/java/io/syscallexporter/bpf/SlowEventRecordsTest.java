package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.SlowEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class SlowEventRecordsTest {
  @Test
  void decodesEveryField() {
    ByteBuffer e = ByteBuffer.allocate(Layouts.SlowEvent.SIZE).order(ByteOrder.nativeOrder())
        .putLong(Layouts.SlowEvent.LATENCY_NS, 3_000_000_123L)
        .putInt(Layouts.SlowEvent.TID, 4811).putInt(Layouts.SlowEvent.NS_TID, 7)
        .putInt(Layouts.SlowEvent.PID, 4800).putInt(Layouts.SlowEvent.NR, 74)
        .put(Layouts.SlowEvent.THREAD, "wal-writer".getBytes())
        .put(Layouts.SlowEvent.PROCESS, "postgres".getBytes());
    assertThat(SlowEventRecords.decode(e))
        .isEqualTo(new SlowEvent(3_000_000_123L, 4811, 7, 4800, 74, "wal-writer", "postgres"));
  }
}
