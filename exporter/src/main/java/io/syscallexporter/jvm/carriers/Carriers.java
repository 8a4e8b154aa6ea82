package io.syscallexporter.jvm.carriers;

import io.syscallexporter.bpf.Layouts;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which virtual thread is mounted on each carrier thread, told to the kernel. Defined by the
 * agent into {@code java.lang} of the service's JVM (as {@code java.lang.SyscallExporterCarriers},
 * {@link VirtualThreadHooks}), where {@code java.lang.VirtualThread}'s mount and unmount call
 * it: so it uses nothing but the JDK (constants of Layouts are compiled in), and never throws.
 *
 * <p>Each carrier thread has a record (struct trace_context then the mounted pool index, in
 * bpf/syscall_exporter.h), registered with the kernel like a trace context record, by a
 * {@code pwrite64} from the carrier itself with the cookie's carrier bit set. At a mount the
 * carrier writes the virtual thread's pool index and trace context into it; at an unmount it
 * clears them. A carrier inside a syscall writes nothing, so what the kernel reads at the call's
 * entry is the virtual thread that made it. Pools are indexed by their names as the JVM folds
 * them (the trailing number replaced by {@code *}; unnamed: {@code virtual}): at most
 * {@link #MAX_POOLS}, and any more share the index of {@code _other}.
 */
public final class Carriers {
  /** Pool indexes a carrier's record has room for (one byte, 0: none mounted). */
  public static final int MAX_POOLS = 255;
  public static final String UNNAMED = "virtual";
  public static final String OTHER = "_other";
  static final int TRACE_ID = 0;
  static final int SPAN_ID = 16;
  static final int VALID = 24;
  static final int TRACE_FLAGS = 25;
  static final int MOUNTED = Layouts.CARRIER_MOUNTED;
  static final int SIZE = 32;

  /** Each carrier's record, on the carrier thread itself, read from the virtual thread too. */
  private static final ThreadLocal<CarrierRecord> CARRIER = carrierThreadLocal();
  /** Each virtual thread's pool index and trace context, mounted or not. */
  private static final ThreadLocal<MountedThread> MOUNTED_STATE = new ThreadLocal<>();
  /** Every carrier's record, for the agent: which virtual thread a stuck carrier runs. */
  private static final Map<Thread, CarrierRecord> RECORDS =
      Collections.synchronizedMap(new WeakHashMap<>());
  private static final Map<String, Integer> INDEXES = new ConcurrentHashMap<>();
  /** Pool names by index (0: none). */
  private static volatile String[] pools = {""};
  /** The cookie carriers register their records with; 0: the kernel takes none now. */
  private static volatile long cookie;
  private static volatile FileChannel devNull;

  private Carriers() {}

  /**
   * {@code jdk.internal.misc.CarrierThreadLocal}: a thread local of the carrier thread even
   * when a virtual thread mounted on it reads it. This class is in java.base, which may.
   */
  @SuppressWarnings("unchecked")
  private static <T> ThreadLocal<T> carrierThreadLocal() {
    try {
      return (ThreadLocal<T>) Class.forName("jdk.internal.misc.CarrierThreadLocal")
          .getConstructor().newInstance();
    } catch (ReflectiveOperationException | RuntimeException e) {
      return new ThreadLocal<>(); // no virtual threads on this JDK: no mount calls here
    }
  }

  /** The kernel takes carrier records registered with {@code c} (0: none now). */
  public static void cookie(long c) {
    cookie = c;
  }

  /**
   * At the start of {@code VirtualThread.mount()}, on the carrier as itself: its record is
   * made, and registered again whenever the cookie is new (a join, the exporter restarted).
   */
  public static void mountStart() {
    try {
      long c = cookie;
      if (c == 0) {
        return;
      }
      CarrierRecord r = CARRIER.get();
      if (r == null) {
        r = new CarrierRecord();
        CARRIER.set(r);
        RECORDS.put(Thread.currentThread(), r);
      }
      if (r.registeredWith != c) {
        register(r, c);
      }
    } catch (Throwable e) {
      // never into the JDK's mount: the carrier goes on unregistered
    }
  }

  /**
   * At the end of {@code VirtualThread.mount()}, as the virtual thread: the carrier's record
   * says which pool it is in, and its trace context.
   */
  public static void mounted(Thread thread) {
    try {
      CarrierRecord r = CARRIER.get();
      if (r == null) {
        return;
      }
      MountedThread m = stateOf(thread);
      ByteBuffer b = r.record;
      if (m.valid) {
        b.putLong(TRACE_ID, m.traceHigh).putLong(TRACE_ID + 8, m.traceLow)
            .putLong(SPAN_ID, m.spanId).put(TRACE_FLAGS, m.flags).put(VALID, (byte) 1);
      }
      b.put(MOUNTED, m.index);
      r.mounted = thread;
    } catch (Throwable e) {
      // never into the JDK's mount
    }
  }

  /** At the start of {@code VirtualThread.unmount()}, as the virtual thread: the carrier's own. */
  public static void unmounting() {
    try {
      CarrierRecord r = CARRIER.get();
      if (r != null) {
        r.record.put(VALID, (byte) 0).put(MOUNTED, (byte) 0);
        r.mounted = null;
      }
    } catch (Throwable e) {
      // never into the JDK's unmount
    }
  }

  /**
   * The tracer side, on a virtual thread: its current span's ids (trace id high and low 8 bytes,
   * span id, as big-endian longs) and flags, kept with the virtual thread for its next mounts
   * and written into its carrier's record now.
   */
  public static void publish(long traceHigh, long traceLow, long spanId, byte flags) {
    MountedThread m = stateOf(Thread.currentThread());
    m.traceHigh = traceHigh;
    m.traceLow = traceLow;
    m.spanId = spanId;
    m.flags = flags;
    m.valid = true;
    CarrierRecord r = CARRIER.get();
    if (r != null) {
      r.record.put(VALID, (byte) 0).putLong(TRACE_ID, traceHigh).putLong(TRACE_ID + 8, traceLow)
          .putLong(SPAN_ID, spanId).put(TRACE_FLAGS, flags).put(VALID, (byte) 1);
    }
  }

  /** The tracer side, on a virtual thread: no span is current. */
  public static void clear() {
    MountedThread m = MOUNTED_STATE.get();
    if (m != null) {
      m.valid = false;
    }
    CarrierRecord r = CARRIER.get();
    if (r != null) {
      r.record.put(VALID, (byte) 0);
    }
  }

  /** The virtual thread mounted on {@code carrier} now, or null (none, or not a carrier). */
  public static Thread mountedOn(Thread carrier) {
    CarrierRecord r = RECORDS.get(carrier);
    return r != null ? r.mounted : null;
  }

  /** {@code carrier}'s record as the kernel reads it (read-only), or null. */
  public static ByteBuffer recordOf(Thread carrier) {
    CarrierRecord r = RECORDS.get(carrier);
    return r != null ? r.record.asReadOnlyBuffer() : null;
  }

  /** Pool names by index, from 1 (index 0: none mounted). */
  public static String[] pools() {
    return pools.clone();
  }

  /** The pool of a virtual thread's name: its trailing number replaced by {@code *}. */
  public static String poolOf(String name) {
    if (name.isEmpty()) {
      return UNNAMED;
    }
    int end = name.length();
    while (end > 0 && name.charAt(end - 1) >= '0' && name.charAt(end - 1) <= '9') {
      end--;
    }
    return end == name.length() ? name : name.substring(0, end) + "*";
  }

  /** A virtual thread's state, its pool index from its name now (a rename moves it). */
  private static MountedThread stateOf(Thread thread) {
    MountedThread m = MOUNTED_STATE.get();
    String name = thread.getName();
    if (m == null) {
      m = new MountedThread();
      MOUNTED_STATE.set(m);
    } else if (m.name == name) { // the very string of last time: no lookup
      return m;
    }
    m.name = name;
    m.index = (byte) indexOf(poolOf(name));
    return m;
  }

  private static int indexOf(String pool) {
    Integer i = INDEXES.get(pool);
    return i != null ? i : newIndex(pool);
  }

  private static synchronized int newIndex(String pool) {
    Integer i = INDEXES.get(pool);
    if (i != null) {
      return i;
    }
    String[] now = pools;
    if (now.length >= MAX_POOLS) { // the last index, _other's, stays for all the rest
      pool = OTHER;
      i = INDEXES.get(OTHER);
      if (i != null) {
        return i;
      }
    }
    String[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = pool;
    INDEXES.put(pool, now.length);
    pools = next;
    return now.length;
  }

  /**
   * The pwrite64 that tells the kernel where this carrier's record is. Tried once per cookie:
   * a carrier whose write fails (interrupted, say) is not counted by pool until the next one.
   */
  private static void register(CarrierRecord r, long c) throws IOException {
    r.registeredWith = c;
    // A file channel is closed, for every thread, by a write from an interrupted thread.
    if (Thread.currentThread().isInterrupted()) {
      r.registeredWith = 0;
      return;
    }
    FileChannel channel = devNull;
    if (channel == null || !channel.isOpen()) {
      synchronized (Carriers.class) {
        channel = devNull;
        if (channel == null || !channel.isOpen()) {
          devNull = channel = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE);
        }
      }
    }
    channel.write(r.record.duplicate().position(0).limit(SIZE),
        c | Layouts.CARRIER_REGISTRATION);
  }

  /** A carrier thread's record, and the virtual thread it last said was mounted. */
  static final class CarrierRecord {
    final ByteBuffer record = ByteBuffer.allocateDirect(SIZE).order(ByteOrder.BIG_ENDIAN);
    long registeredWith;
    /** Written by the carrier at each mount; read by the agent for a carrier stuck in a call. */
    Thread mounted;
  }

  /** A virtual thread's pool index, and the trace context it publishes. */
  static final class MountedThread {
    String name;
    byte index;
    long traceHigh;
    long traceLow;
    long spanId;
    byte flags;
    boolean valid;
  }
}
