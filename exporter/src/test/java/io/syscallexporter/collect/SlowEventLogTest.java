package io.syscallexporter.collect;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.syscalls.SyscallTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SlowEventLogTest {
  private final AtomicLong clock = new AtomicLong();
  private final List<String> lines = new ArrayList<>();
  private final SlowEventLog log = new SlowEventLog(SyscallTable.forArch("x86_64"),
      ThreadNames.HOST, new RateLimitedLog(2, clock::get, lines::add));

  private static SlowEvent event(String thread) {
    return new SlowEvent(3_000_123_456L, 12, 12, 10, 74, thread, "db", new SeriesKey("db", 0, 74),
        TraceContext.NONE);
  }

  @Test
  void aCallMadeInASpanCarriesItsIds() {
    log.accept(new SlowEvent(3_000_123_456L, 12, 12, 10, 74, "w", "db", new SeriesKey("db", 0, 74),
        new TraceContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", false)));
    assertThat(lines.get(0)).endsWith(" thread=w trace_id=4bf92f3577b34da6a3ce929d0e0e4736"
        + " span_id=00f067aa0ba902b7");
  }

  @Test
  void logsOneLogfmtLinePerEvent() {
    log.accept(event("db worker"));
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0)).matches("ts=\\S+ level=warn msg=\"slow syscall\" syscall=fsync"
        + " latency_seconds=3.000123 tid=12 pid=10 process=db thread=\"db worker\"");
  }

  @Test
  void formatsNumbersTheSameInEveryLocale() {
    Locale saved = Locale.getDefault();
    try {
      Locale.setDefault(Locale.GERMANY); // a decimal comma
      log.accept(event("t"));
    } finally {
      Locale.setDefault(saved);
    }
    assertThat(lines.get(0)).contains("latency_seconds=3.000123 ");
  }

  @Test
  void rateLimitsAndCountsWhatItDrops() {
    for (int i = 0; i < 5; i++) {
      log.accept(event("t"));
    }
    assertThat(lines).hasSize(2);
    clock.addAndGet(500_000_000L); // half a second: one more token
    log.accept(event("t"));
    log.accept(event("t"));
    assertThat(lines).hasSize(3);
    assertThat(log.received()).isEqualTo(7);
    assertThat(log.suppressed()).isEqualTo(4);
  }
}
