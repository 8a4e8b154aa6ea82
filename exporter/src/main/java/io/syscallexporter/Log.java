package io.syscallexporter;

import java.io.PrintStream;
import java.time.Instant;

/**
 * One logfmt line per event on stderr, as Prometheus exporters log:
 * {@code ts=... level=info msg="..." key=value ...}.
 */
public final class Log {
  private static final PrintStream OUT = System.err;

  private Log() {}

  public static void info(String msg, Object... keyValues) {
    write("info", msg, keyValues);
  }

  public static void warn(String msg, Object... keyValues) {
    write("warn", msg, keyValues);
  }

  public static void error(String msg, Object... keyValues) {
    write("error", msg, keyValues);
  }

  /** The logfmt line, without the trailing newline. */
  public static String line(String level, String msg, Object... keyValues) {
    StringBuilder s = new StringBuilder(128);
    s.append("ts=").append(Instant.now()).append(" level=").append(level).append(" msg=");
    quote(s, msg);
    for (int i = 0; i + 1 < keyValues.length; i += 2) {
      s.append(' ').append(keyValues[i]).append('=');
      String v = String.valueOf(keyValues[i + 1]);
      if (v.isEmpty() || v.chars().anyMatch(c -> c <= ' ' || c == '"' || c == '=' || c > '~')) {
        quote(s, v);
      } else {
        s.append(v);
      }
    }
    return s.toString();
  }

  private static void write(String level, String msg, Object... keyValues) {
    String line = line(level, msg, keyValues);
    synchronized (OUT) {
      OUT.println(line);
    }
  }

  private static void quote(StringBuilder s, String v) {
    s.append('"');
    for (char c : v.toCharArray()) {
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        default -> {
          if (c < ' ') {
            s.append(String.format("\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    s.append('"');
  }
}
