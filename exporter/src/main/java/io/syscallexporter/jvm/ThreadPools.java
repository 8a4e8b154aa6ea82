package io.syscallexporter.jvm;

import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.StuckCall;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

/** Names of Java threads as the kernel and the thread label see them. */
public final class ThreadPools {
  /** The kernel keeps a thread's name in 16 bytes with its NUL (TASK_COMM_LEN). */
  static final int COMM_BYTES = 15;

  private static final Pattern TRAILING_NUMBER = Pattern.compile("\\d+$");

  private ThreadPools() {}

  /**
   * The pool of a thread: its name with the trailing number replaced by {@code *}, so that
   * {@code http-nio-8080-exec-12} and {@code http-nio-8080-exec-3} are one label set.
   */
  public static String poolOf(String threadName) {
    return TRAILING_NUMBER.matcher(threadName).replaceFirst("*");
  }

  /**
   * The comm HotSpot gives a Java thread: the first 15 bytes of its UTF-8 name, read back the
   * way the exporter reads a comm from the kernel.
   */
  public static String commOf(String threadName) {
    byte[] utf8 = threadName.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= COMM_BYTES) {
      return threadName;
    }
    return new String(Arrays.copyOf(utf8, COMM_BYTES), StandardCharsets.UTF_8);
  }

  /** Whether a comm may be a longer name cut by the kernel: it fills the 15 bytes. */
  static boolean mayBeCut(String comm) {
    return comm.getBytes(StandardCharsets.UTF_8).length >= COMM_BYTES;
  }

  /**
   * The key the kernel gives the histograms of a stuck call's thread in a JVM measured by
   * pool: its pool id once named, else its comm's pool; {@code pid} as the key carries it.
   */
  public static SeriesKey seriesKey(StuckCall c, int pid) {
    return c.pool() != SeriesKey.NOT_BY_POOL
        ? new SeriesKey("", pid, c.nr(), c.cgroup(), c.pool())
        : new SeriesKey(poolOf(c.thread()), pid, c.nr(), c.cgroup(), SeriesKey.BY_COMM);
  }

  /**
   * What agent mode's histogram keys carry for a thread: the pool of its comm, as the kernel
   * computes it (comm_to_pool in the BPF program). For a name of up to 15 bytes that is the
   * name's pool; for a longer one, the pool of its first 15 bytes.
   */
  public static String keyOf(String threadName) {
    return poolOf(commOf(threadName));
  }
}
