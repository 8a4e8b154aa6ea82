package io.syscallexporter.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class ThreadContextRecordTest {
  private static ThreadContextRecord record() throws Exception {
    Constructor<ThreadContextRecord> c = ThreadContextRecord.class.getDeclaredConstructor();
    c.setAccessible(true);
    return c.newInstance();
  }

  @Test
  void publishesTheIdsInTheRecordLayout() throws Exception {
    ThreadContextRecord r = record();
    r.publish("4bf92f3577b34da6a3ce929d0e0e4736", "00F067AA0BA902B7", (byte) 1);
    ByteBuffer b = r.bytes();
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    b.get(ThreadContextRecord.TRACE_ID, trace).get(ThreadContextRecord.SPAN_ID, span);
    assertThat(HexFormat.of().formatHex(trace)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(HexFormat.of().formatHex(span)).isEqualTo("00f067aa0ba902b7");
    assertThat(b.get(ThreadContextRecord.VALID)).isEqualTo((byte) 1);
    assertThat(b.get(ThreadContextRecord.TRACE_FLAGS)).isEqualTo((byte) 1);

    r.clear();
    assertThat(r.bytes().get(ThreadContextRecord.VALID)).isZero();
  }

  @Test
  void cookiesAreOffsetsAPwriteTakes() {
    for (int i = 0; i < 1000; i++) {
      long c = ThreadContextRecord.newCookie();
      assertThat(c).isPositive().isLessThan(1L << 62);
      assertThat(ThreadContextRecord.parseCookie(Long.toHexString(c))).isEqualTo(c);
    }
    assertThat(ThreadContextRecord.parseCookie(null)).isZero();
    assertThat(ThreadContextRecord.parseCookie("not hex")).isZero();
  }

  @Test
  void noRecordWithoutACookie() {
    System.clearProperty(ThreadContextRecord.COOKIE_PROPERTY);
    assertThat(ThreadContextRecord.current()).isNull();
  }
}
