package io.syscallexporter.trace;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;

/**
 * A thread's trace context record, which the kernel reads for the thread's slow and stuck
 * calls: the OpenTelemetry thread context record layout (OTEP 4947, {@code struct
 * trace_context} in bpf/syscall_exporter.h): trace id (16 bytes), span id (8), valid, trace
 * flags. Written by its own thread only: valid 0, the ids, valid 1.
 *
 * <p>The kernel learns where a thread's record is without native code: the thread writes it
 * once to {@code /dev/null} with {@code pwrite64} at an offset that is its process's cookie
 * (which the agent gave the kernel and left in {@link #COOKIE_PROPERTY}), and the programs take
 * the address written from. A direct buffer is written from where it lies, and never moves.
 * Virtual threads get no record: many share one kernel thread, whose record would be whichever
 * ran last.
 */
public final class ThreadContextRecord {
  /** Where the agent leaves its process's cookie (hex) for the tracer side, once it has one. */
  public static final String COOKIE_PROPERTY = "syscall_exporter.trace.cookie";

  static final int TRACE_ID = 0;
  static final int SPAN_ID = 16;
  static final int VALID = 24;
  static final int TRACE_FLAGS = 25;
  static final int SIZE = 26;

  private static final ThreadLocal<ThreadContextRecord> RECORDS = new ThreadLocal<>();
  private static final MethodHandle IS_VIRTUAL = isVirtual();
  private static volatile Cookie cookie = new Cookie(null, 0);
  private static volatile FileChannel devNull;
  /** A registration failed: /dev/null cannot be written here; no thread tries again. */
  private static volatile boolean unregistrable;

  private final ByteBuffer record =
      ByteBuffer.allocateDirect(SIZE).order(ByteOrder.nativeOrder());
  /** The cookie the kernel was last told this record's address with; 0: none. */
  private long registeredWith;

  private ThreadContextRecord() {}

  /**
   * The calling thread's record, registered with the kernel at its first use (and again when
   * the agent's cookie changes); null when it cannot have one (a virtual thread, no agent in
   * this JVM).
   */
  public static ThreadContextRecord current() {
    ThreadContextRecord r = RECORDS.get();
    long c = cookie();
    if (c == 0 || unregistrable || (r != null && r.registeredWith == c)) {
      return r;
    }
    if (r == null) {
      if (isVirtualThread()) {
        return null;
      }
      r = new ThreadContextRecord();
      RECORDS.set(r);
    }
    // A new cookie: the agent joined again, or started again, with programs that do not
    // know this record yet.
    r.registeredWith = r.register(c) ? c : 0;
    return r;
  }

  /** Publishes a span's ids (lowercase hex, as OpenTelemetry gives them) and trace flags. */
  public void publish(CharSequence traceIdHex, CharSequence spanIdHex, byte traceFlags) {
    record.put(VALID, (byte) 0);
    putHex(TRACE_ID, traceIdHex, 16);
    putHex(SPAN_ID, spanIdHex, 8);
    record.put(TRACE_FLAGS, traceFlags);
    record.put(VALID, (byte) 1);
  }

  /** No span is current on this thread. */
  public void clear() {
    record.put(VALID, (byte) 0);
  }

  /** The record as the kernel would read it now (tests). */
  ByteBuffer bytes() {
    return record.asReadOnlyBuffer();
  }

  private void putHex(int at, CharSequence hex, int bytes) {
    for (int i = 0; i < bytes; i++) {
      record.put(at + i, (byte) (digit(hex.charAt(2 * i)) << 4 | digit(hex.charAt(2 * i + 1))));
    }
  }

  private static int digit(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  }

  /** The pwrite64 that tells the kernel where this thread's record is. */
  private boolean register(long c) {
    try {
      FileChannel channel = devNull();
      channel.write(record.duplicate().position(0).limit(SIZE), c);
      return true;
    } catch (IOException | RuntimeException e) {
      unregistrable = true;
      return false;
    }
  }

  private static FileChannel devNull() throws IOException {
    FileChannel c = devNull;
    if (c == null) {
      synchronized (ThreadContextRecord.class) {
        if (devNull == null) {
          devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        }
        c = devNull;
      }
    }
    return c;
  }

  /**
   * The cookie the agent published: it changes when the agent joins its host exporter again,
   * and is gone when the agent stops. Looked up at each use (a hash lookup), parsed only when
   * it is another string.
   */
  private static long cookie() {
    String text = System.getProperty(COOKIE_PROPERTY);
    Cookie c = cookie;
    if (c.text != text) { // by reference: the very string of last time, or another
      c = new Cookie(text, parseCookie(text));
      cookie = c;
    }
    return c.value;
  }

  /** A cookie as published, and its value. */
  private record Cookie(String text, long value) {}

  /**
   * A process's cookie: random, so no write a program makes for itself is taken for a
   * registration; below 2^62, so the offset is one {@code pwrite64} accepts.
   */
  public static long newCookie() {
    return new SecureRandom().nextLong() >>> 2 | 1L << 40;
  }

  static long parseCookie(String hex) {
    try {
      return hex == null ? 0 : Long.parseUnsignedLong(hex, 16);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static boolean isVirtualThread() {
    try {
      return IS_VIRTUAL != null && (boolean) IS_VIRTUAL.invokeExact(Thread.currentThread());
    } catch (Throwable e) {
      return false;
    }
  }

  /** Thread.isVirtual (Java 21); none before. */
  private static MethodHandle isVirtual() {
    try {
      return MethodHandles.publicLookup().findVirtual(Thread.class, "isVirtual",
          MethodType.methodType(boolean.class));
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }
}
