package io.syscallexporter.jvm;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * The carrier records in this JVM ({@code jvm.carriers.Carriers}, defined into java.lang by
 * {@link VirtualThreadHooks}), as any class loader reaches them: the agent, which labels
 * virtual thread pools and describes stuck carriers, and the tracer side, which publishes a
 * virtual thread's span. Looked up by name through JDK types only; until they are there (before
 * the agent started, or a JDK without virtual threads), every method does nothing. Looked for
 * again at most once a second.
 */
public final class CarrierRecords {
  static final long LOOK_AGAIN_NANOS = 1_000_000_000L;
  private static volatile Handles handles;
  private static volatile long lastLook = System.nanoTime() - LOOK_AGAIN_NANOS;

  private CarrierRecords() {}

  /** The methods of the defined class. */
  private record Handles(MethodHandle cookie, MethodHandle pools, MethodHandle mountedOn,
      MethodHandle recordOf, MethodHandle publish, MethodHandle clear) {}

  /** Whether the records are in this JVM: its virtual threads are counted by pool. */
  public static boolean present() {
    return handles() != null;
  }

  /** Whether the records are in this JVM, looked for now (they were just put in, or not). */
  static boolean presentNow() {
    lastLook = System.nanoTime() - LOOK_AGAIN_NANOS;
    return handles() != null;
  }

  /** The kernel takes carrier registrations with {@code cookie} (0: none now). */
  public static void cookie(long cookie) {
    Handles h = handles();
    if (h != null) {
      try {
        h.cookie.invokeExact(cookie);
      } catch (Throwable e) {
        // the records take no cookie: its virtual threads count under their carriers
      }
    }
  }

  /** Virtual thread pool names by index (index 0: none); empty when not present. */
  public static String[] pools() {
    Handles h = handles();
    try {
      return h != null ? (String[]) h.pools.invokeExact() : new String[0];
    } catch (Throwable e) {
      return new String[0];
    }
  }

  /** The virtual thread mounted on {@code carrier} now, or null. */
  public static Thread mountedOn(Thread carrier) {
    Handles h = handles();
    try {
      return h != null ? (Thread) h.mountedOn.invokeExact(carrier) : null;
    } catch (Throwable e) {
      return null;
    }
  }

  /** {@code carrier}'s record (read-only), or null when it is none. */
  public static ByteBuffer recordOf(Thread carrier) {
    Handles h = handles();
    try {
      return h != null ? (ByteBuffer) h.recordOf.invokeExact(carrier) : null;
    } catch (Throwable e) {
      return null;
    }
  }

  /**
   * On a virtual thread: its current span (ids as big-endian longs), for its carrier's record
   * now and at its next mounts. False when the records are not in this JVM.
   */
  public static boolean publish(long traceHigh, long traceLow, long spanId, byte flags) {
    Handles h = handles();
    if (h == null) {
      return false;
    }
    try {
      h.publish.invokeExact(traceHigh, traceLow, spanId, flags);
    } catch (Throwable e) {
      return false;
    }
    return true;
  }

  /** On a virtual thread: no span is current. */
  public static void clear() {
    Handles h = handles();
    if (h != null) {
      try {
        h.clear.invokeExact();
      } catch (Throwable e) {
        // nothing published to take back
      }
    }
  }

  private static Handles handles() {
    Handles h = handles;
    return h != null ? h : look();
  }

  /**
   * One look at a time: the first virtual threads to publish wait for it (a first lookup of
   * method handles takes milliseconds), rather than go on without.
   */
  private static synchronized Handles look() {
    Handles h = handles;
    long now = System.nanoTime();
    if (h != null || now - lastLook < LOOK_AGAIN_NANOS) {
      return h;
    }
    lastLook = now;
    try {
      Class<?> c = Class.forName(VirtualThreadHooks.DEFINED.replace('/', '.'), false, null);
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      h = new Handles(
          lookup.findStatic(c, "cookie", MethodType.methodType(void.class, long.class)),
          lookup.findStatic(c, "pools", MethodType.methodType(String[].class)),
          lookup.findStatic(c, "mountedOn", MethodType.methodType(Thread.class, Thread.class)),
          lookup.findStatic(c, "recordOf",
              MethodType.methodType(ByteBuffer.class, Thread.class)),
          lookup.findStatic(c, "publish", MethodType.methodType(void.class, long.class,
              long.class, long.class, byte.class)),
          lookup.findStatic(c, "clear", MethodType.methodType(void.class)));
      handles = h;
      return h;
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      return null;
    }
  }
}
