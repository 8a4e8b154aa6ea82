package io.syscallexporter.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.TraceContext;
import java.lang.reflect.Constructor;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
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
  void aSpanMadeCurrentAgainIsWhatTheRecordHolds() throws Exception {
    ThreadContextRecord r = record();
    String outerTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    String outerSpan = "00f067aa0ba902b7";
    r.publish(outerTrace, outerSpan, (byte) 1);
    r.publish("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", (byte) 0); // inner
    r.clear();
    r.publish(outerTrace, outerSpan, (byte) 1); // the inner scope closed: the outer again
    ByteBuffer b = r.bytes();
    byte[] trace = new byte[16];
    byte[] span = new byte[8];
    b.get(ThreadContextRecord.TRACE_ID, trace).get(ThreadContextRecord.SPAN_ID, span);
    assertThat(HexFormat.of().formatHex(trace)).isEqualTo(outerTrace);
    assertThat(HexFormat.of().formatHex(span)).isEqualTo(outerSpan);
    assertThat(b.get(ThreadContextRecord.VALID)).isEqualTo((byte) 1);
    assertThat(b.get(ThreadContextRecord.TRACE_FLAGS)).isEqualTo((byte) 1);
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
  void anInterruptedThreadRegistersLaterAndLeavesOthersAbleTo() throws Exception {
    long cookie = ThreadContextRecord.newCookie();
    System.setProperty(ThreadContextRecord.COOKIE_PROPERTY, Long.toHexString(cookie));
    try {
      ThreadContextRecord[] interrupted = new ThreadContextRecord[2];
      Thread t = new Thread(() -> {
        Thread.currentThread().interrupt();
        interrupted[0] = ThreadContextRecord.current();
        Thread.interrupted();
        interrupted[1] = ThreadContextRecord.current(); // its next span
      });
      t.start();
      t.join();
      assertThat(interrupted[0]).isSameAs(interrupted[1]);
      assertThat(interrupted[1].registeredWith()).isEqualTo(cookie);
      ThreadContextRecord[] other = new ThreadContextRecord[1];
      Thread u = new Thread(() -> other[0] = ThreadContextRecord.current());
      u.start();
      u.join();
      assertThat(other[0].registeredWith()).isEqualTo(cookie);
    } finally {
      System.clearProperty(ThreadContextRecord.COOKIE_PROPERTY);
    }
  }

  @Test
  void aNewCookieRegistersTheThreadAgain() {
    long first = ThreadContextRecord.newCookie();
    long second = ThreadContextRecord.newCookie();
    try {
      System.setProperty(ThreadContextRecord.COOKIE_PROPERTY, Long.toHexString(first));
      ThreadContextRecord r = ThreadContextRecord.current();
      assertThat(r.registeredWith()).isEqualTo(first);
      System.setProperty(ThreadContextRecord.COOKIE_PROPERTY, Long.toHexString(second));
      assertThat(ThreadContextRecord.current()).isSameAs(r);
      assertThat(r.registeredWith()).isEqualTo(second);
    } finally {
      System.clearProperty(ThreadContextRecord.COOKIE_PROPERTY);
    }
  }

  @Test
  void noRecordWithoutACookie() throws Exception {
    System.clearProperty(ThreadContextRecord.COOKIE_PROPERTY);
    ThreadContextRecord[] r = {record()};
    Thread t = new Thread(() -> r[0] = ThreadContextRecord.current()); // a thread of its own
    t.start();
    t.join();
    assertThat(r[0]).isNull();
  }

  /**
   * The agent's own read of another thread's record, for a call the kernel cannot link (its
   * thread registered with programs that have gone): what the thread published, or none.
   */
  @Test
  void theAgentReadsAStuckThreadsRecordItself() throws Exception {
    System.setProperty(ThreadContextRecord.COOKIE_PROPERTY,
        Long.toHexString(ThreadContextRecord.newCookie()));
    CountDownLatch published = new CountDownLatch(1);
    CountDownLatch cleared = new CountDownLatch(1);
    CountDownLatch read = new CountDownLatch(1);
    Thread t = new Thread(() -> {
      ThreadContextRecord r = ThreadContextRecord.current();
      r.publish("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", (byte) 1);
      published.countDown();
      await(read);
      r.clear();
      cleared.countDown();
    });
    try {
      assertThat(ThreadContextRecord.contextOf(t)).isEqualTo(TraceContext.NONE); // none yet
      t.start();
      published.await();
      assertThat(ThreadContextRecord.contextOf(t)).isEqualTo(new TraceContext(
          "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
      read.countDown();
      cleared.await();
      assertThat(ThreadContextRecord.contextOf(t)).isEqualTo(TraceContext.NONE);
      t.join();
    } finally {
      System.clearProperty(ThreadContextRecord.COOKIE_PROPERTY);
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
