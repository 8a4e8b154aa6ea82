package io.syscallexporter.config;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Go-style durations as Prometheus tools write them: {@code 500ms}, {@code 10s}, {@code 1m30s}. */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|µs|ms|s|m|h)");

  private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

  private Durations() {}

  public static Duration parse(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = PART.matcher(text);
    // Exact decimal arithmetic: a double would round large nanosecond counts.
    BigDecimal nanos = BigDecimal.ZERO;
    int end = 0;
    while (m.lookingAt()) {
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(
          unitNanos(m.group(2)))));
      end = m.end();
      m.region(end, text.length());
    }
    if (end != text.length()) {
      throw new IllegalArgumentException("not a duration: \"" + text
          + "\" (use a number and a unit: ns, us, ms, s, m, h; e.g. 500ms or 1m30s)");
    }
    BigDecimal whole = nanos.setScale(0, RoundingMode.HALF_UP);
    if (whole.compareTo(MAX_NANOS) > 0) {
      throw new IllegalArgumentException("duration too long: \"" + text + "\" (at most "
          + format(Duration.ofNanos(Long.MAX_VALUE)) + ")");
    }
    return Duration.ofNanos(whole.longValueExact());
  }

  /** The shortest Go-style text for a duration, for usage and logs. */
  public static String format(Duration d) {
    long ns = d.toNanos();
    if (ns % 3_600_000_000_000L == 0 && ns != 0) {
      return ns / 3_600_000_000_000L + "h";
    }
    if (ns % 60_000_000_000L == 0 && ns != 0) {
      return ns / 60_000_000_000L + "m";
    }
    if (ns % 1_000_000_000L == 0) {
      return ns / 1_000_000_000L + "s";
    }
    if (ns % 1_000_000L == 0) {
      return ns / 1_000_000L + "ms";
    }
    if (ns % 1_000L == 0) {
      return ns / 1_000L + "us";
    }
    return ns + "ns";
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      case "us", "µs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> throw new IllegalArgumentException(unit);
    };
  }
}
