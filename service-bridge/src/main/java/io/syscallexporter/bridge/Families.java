package io.syscallexporter.bridge;

import java.util.List;
import java.util.Map;

/**
 * The metric families the agent hands a bridge, in JDK types only (the agent and the service
 * each have their own client classes). A family is a map:
 * <ul>
 *   <li>{@code name} (String): as the client model names it, a counter without {@code _total};
 *   <li>{@code help} (String); {@code type} (String): {@code counter}, {@code gauge} or
 *       {@code histogram};
 *   <li>{@code points} (List of maps), each with {@code labelNames} and {@code labelValues}
 *       (String[]), and either {@code value} (Double), or for a histogram {@code sum} (Double),
 *       {@code bounds} (double[], the classic upper bounds, +Inf last) with {@code counts}
 *       (long[], each bucket's own count, not cumulative), and where it has native buckets
 *       {@code schema} (Integer), {@code zeroThreshold} (Double), {@code zeroCount} (Long),
 *       {@code nativeIndexes} (int[]) and {@code nativeCounts} (long[]), and where it has
 *       trace exemplars {@code exemplarValues} (double[]), {@code exemplarTraceIds} and
 *       {@code exemplarSpanIds} (String[]) and {@code exemplarTimestamps} (long[], ms).
 * </ul>
 */
final class Families {
  private Families() {}

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> points(Map<String, Object> family) {
    return (List<Map<String, Object>>) family.get("points");
  }

  /** Reports the first failure of a bridge once: a scrape goes on without our series. */
  static void failedOnce(Object bridge, Throwable e, boolean[] reported) {
    synchronized (reported) {
      if (reported[0]) {
        return;
      }
      reported[0] = true;
    }
    System.err.println("level=warn msg=\"syscall_exporter agent: the service's endpoint is"
        + " served without the syscall series\" bridge=" + bridge.getClass().getSimpleName()
        + " err=\"" + e + "\"");
  }
}
