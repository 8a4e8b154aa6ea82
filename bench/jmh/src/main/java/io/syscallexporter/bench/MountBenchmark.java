package io.syscallexporter.bench;

import io.syscallexporter.jvm.VirtualThreadHooks;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the agent adds to each mount and unmount of a virtual thread: the three calls
 * java.lang.VirtualThread makes into the carrier records (mountStart, mounted, unmounting),
 * defined into java.lang as the agent defines them, with their CarrierThreadLocal (Java 21+;
 * run this on the Java the services use). Per pair, next to a loop that does nothing.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-opens=java.base/java.lang=ALL-UNNAMED")
public class MountBenchmark {
  /** The hooks as constants: the JIT inlines them, as it does VirtualThread's direct calls. */
  static final class Hooks {
    static final MethodHandle MOUNT_START;
    static final MethodHandle MOUNTED;
    static final MethodHandle UNMOUNTING;

    static {
      try {
        Class<?> records = VirtualThreadHooks.defineRecords(
            MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup()));
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        MethodType none = MethodType.methodType(void.class);
        MOUNT_START = lookup.findStatic(records, "mountStart", none);
        MOUNTED = lookup.findStatic(records, "mounted",
            MethodType.methodType(void.class, Thread.class));
        UNMOUNTING = lookup.findStatic(records, "unmounting", none);
        // Carriers register, as under a running exporter.
        lookup.findStatic(records, "cookie", MethodType.methodType(void.class, long.class))
            .invoke(0x1234L);
      } catch (Throwable e) {
        throw new ExceptionInInitializerError(e);
      }
    }
  }

  /** The thread the mounts mount: named like a request handler. */
  private final Thread virtualThread = new Thread(() -> { }, "tomcat-handler-7");

  @Setup
  public void setUp() {
    Hooks.MOUNT_START.getClass(); // defined before the first iteration
  }

  @Benchmark
  public void mountAndUnmount() throws Throwable {
    Hooks.MOUNT_START.invokeExact();
    Hooks.MOUNTED.invokeExact(virtualThread);
    Hooks.UNMOUNTING.invokeExact();
  }

  @Benchmark
  public void nothing() {
    // the loop's own cost
  }
}
