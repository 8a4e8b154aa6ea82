package io.syscallexporter.trace;

import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.jvm.CarrierRecords;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
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
 * Virtual threads get no record of their own: many share one kernel thread. They publish
 * through their carriers' records ({@link io.syscallexporter.jvm.CarrierRecords}) instead.
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
      ByteBuffer.allocateDirect(SIZE).order(ByteOrder.BIG_ENDIAN);
  /** The cookie the kernel was last told this record's address with; 0: none. */
  private long registeredWith;
  /** What the record holds now, as last written: compared by reference, not by content. */
  private String traceId;
  private String spanId;
  private byte flags;
  private boolean valid;

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
      r.share();
    }
    // A new cookie: the agent joined again, or started again, with programs that do not
    // know this record yet.
    r.registeredWith = r.register(c) ? c : 0;
    return r;
  }

  /**
   * Publishes a span's ids (lowercase hex, as OpenTelemetry gives them) and trace flags. A span
   * made current again (a scope closed back to it, an async task resumed) hands the same id
   * strings: those are not written again.
   */
  public void publish(String traceIdHex, String spanIdHex, byte traceFlags) {
    if (valid && traceIdHex == traceId && spanIdHex == spanId && traceFlags == flags) {
      return;
    }
    record.put(VALID, (byte) 0);
    if (traceIdHex != traceId) {
      putHex(TRACE_ID, traceIdHex, 16);
      traceId = traceIdHex;
    }
    if (spanIdHex != spanId) {
      putHex(SPAN_ID, spanIdHex, 8);
      spanId = spanIdHex;
    }
    record.put(TRACE_FLAGS, traceFlags);
    flags = traceFlags;
    record.put(VALID, (byte) 1);
    valid = true;
  }

  /** No span is current on this thread. */
  public void clear() {
    if (valid) {
      record.put(VALID, (byte) 0);
      valid = false;
    }
  }

  /** Lets the agent read this thread's record ({@link ThreadContextRecords}). */
  private void share() {
    try {
      if (ThreadContextRecords.Shared.REMEMBER != null) {
        ThreadContextRecords.Shared.REMEMBER.invokeExact(Thread.currentThread(),
            record.asReadOnlyBuffer());
      }
    } catch (Throwable e) {
      // the agent reads no record of this thread: only the kernel's way links it
    }
  }

  /**
   * The trace context {@code thread} published last, read by another thread (the agent, for a
   * thread stuck in a call, which writes nothing meanwhile); NONE when it has none.
   * Lowercase hex ids, as the kernel's reads give them.
   */
  public static TraceContext contextOf(Thread thread) {
    ByteBuffer b;
    try {
      b = ThreadContextRecords.Shared.RECORD_OF == null ? null
          : (ByteBuffer) ThreadContextRecords.Shared.RECORD_OF.invokeExact(thread);
    } catch (Throwable e) {
      return TraceContext.NONE;
    }
    return contextOf(b);
  }

  /**
   * The trace context a record holds (a thread's, or a carrier's, which begins the same way),
   * read by another thread than its writer; NONE for none, or null.
   */
  public static TraceContext contextOf(ByteBuffer b) {
    if (b == null) {
      return TraceContext.NONE;
    }
    VarHandle.acquireFence(); // what the thread wrote before its call is seen whole
    if (b.get(VALID) != 1) {
      return TraceContext.NONE;
    }
    byte[] trace = new byte[SPAN_ID - TRACE_ID];
    byte[] span = new byte[VALID - SPAN_ID];
    b.get(TRACE_ID, trace).get(SPAN_ID, span);
    byte flags = b.get(TRACE_FLAGS);
    // Written meanwhile: not whole.
    return b.get(VALID) == 1 ? TraceContext.of(trace, span, flags) : TraceContext.NONE;
  }

  /** The cookie this record was last registered with; 0: none (tests). */
  long registeredWith() {
    return registeredWith;
  }

  /** The record as the kernel would read it now (tests). */
  ByteBuffer bytes() {
    return record.asReadOnlyBuffer();
  }

  /** Hex digits to bytes, 8 at a time: big-endian, so the bytes are in the digits' order. */
  private void putHex(int at, String hex, int bytes) {
    for (int i = 0; i < bytes; i += 8) {
      record.putLong(at + i, hexLong(hex, 2 * i));
    }
  }

  /** The 16 hex digits of {@code hex} from {@code from}, as the long of those 8 bytes. */
  public static long hexLong(String hex, int from) {
    long v = 0;
    for (int j = from; j < from + 16; j++) {
      v = v << 4 | digit(hex.charAt(j));
    }
    return v;
  }

  private static int digit(char c) {
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
  }

  /**
   * The pwrite64 that tells the kernel where this thread's record is; false when it was not
   * made (tried again at the thread's next span).
   */
  private boolean register(long c) {
    // A file channel is closed, for every thread, by a write from an interrupted thread.
    if (Thread.currentThread().isInterrupted()) {
      return false;
    }
    FileChannel channel = null;
    try {
      channel = devNull();
      channel.write(record.duplicate().position(0).limit(SIZE), c);
      return true;
    } catch (ClosedChannelException e) {
      reopenDevNull(channel); // interrupted meanwhile: this or another thread
      return false;
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

  /** Forgets a channel an interrupt closed; the next registration opens another. */
  private static void reopenDevNull(FileChannel closed) {
    synchronized (ThreadContextRecord.class) {
      if (devNull == closed) {
        devNull = null;
      }
    }
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

  /**
   * Publishes the cookie this JVM's threads register their records with, for the tracer side
   * (the property) and for the carriers of virtual threads; 0: none may register now.
   */
  public static void publishCookie(long c) {
    if (c == 0) {
      System.clearProperty(COOKIE_PROPERTY);
    } else {
      System.setProperty(COOKIE_PROPERTY, Long.toHexString(c));
    }
    CarrierRecords.cookie(c);
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

  /** Whether the calling thread is a virtual thread (Java 21+). */
  public static boolean isVirtualThread() {
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
