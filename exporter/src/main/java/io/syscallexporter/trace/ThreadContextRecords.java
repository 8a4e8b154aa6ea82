package io.syscallexporter.trace;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Every thread's trace context record in this JVM, by thread, so that the agent can read a
 * stuck thread's itself when the kernel does not know where it is: the thread registered with
 * programs that have gone since (the host exporter restarted) and has made no span since.
 *
 * <p>The tracer side (in the OpenTelemetry agent's extension loader) and the agent (in a loader
 * of its own) each load this jar apart; they meet in the system class loader's copy of this
 * class, on whose path the agent's jar is, through JDK types only. A thread's entry goes with
 * the thread.
 */
public final class ThreadContextRecords {
  private static final Map<Thread, ByteBuffer> RECORDS =
      Collections.synchronizedMap(new WeakHashMap<>());

  private ThreadContextRecords() {}

  /** Called through {@link Shared}: the system class loader's copy. */
  public static void remember(Thread thread, ByteBuffer record) {
    RECORDS.put(thread, record);
  }

  /** Called through {@link Shared}: the record of {@code thread}, or null. */
  public static ByteBuffer recordOf(Thread thread) {
    return RECORDS.get(thread);
  }

  /**
   * The system class loader's copy's methods, looked up at first use, which comes after the
   * agent has started (its jar is then on that loader's path); null where it is not.
   */
  static final class Shared {
    static final MethodHandle REMEMBER = find("remember", void.class, Thread.class,
        ByteBuffer.class);
    static final MethodHandle RECORD_OF = find("recordOf", ByteBuffer.class, Thread.class);

    private Shared() {}

    private static MethodHandle find(String name, Class<?> returns, Class<?>... params) {
      try {
        Class<?> shared = Class.forName(ThreadContextRecords.class.getName(), true,
            ClassLoader.getSystemClassLoader());
        return MethodHandles.publicLookup().findStatic(shared, name,
            MethodType.methodType(returns, params));
      } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
        return null;
      }
    }
  }
}
