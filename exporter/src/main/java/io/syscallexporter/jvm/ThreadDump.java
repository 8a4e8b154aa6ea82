package io.syscallexporter.jvm;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Java thread runs on which kernel thread, from the JVM's own thread dump (the
 * DiagnosticCommand {@code Thread.print}): the only supported source of a thread's native id.
 * Each Java thread's header line carries {@code #<java id>} and {@code nid=<tid>}: hex up to
 * JDK 18, decimal since JDK 19; since JDK 21 also {@code [<tid>]} after the id, which is all
 * there is on Java 25 for a carrier thread while a virtual thread is mounted on it.
 */
final class ThreadDump {
  /**
   * A thread's header line; the JVM's own threads (GC, compiler) have no Java id. The name is
   * greedy: it may itself contain quotes; what follows its closing quote does not.
   */
  private static final Pattern HEADER = Pattern.compile(
      "^\"(.*)\" (?:#(\\d+) )?(?:\\[(\\d+)\\] .*|.*?\\bnid=(0x[0-9a-fA-F]+|\\d+)\\b)");

  private ThreadDump() {}

  /** Every thread's name by kernel thread id, the JVM's own threads included. */
  static Map<Integer, String> namesByTid(String dump) {
    Map<Integer, String> out = new HashMap<>();
    for (String line : dump.split("\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.find()) {
        out.put(tid(m), m.group(1));
      }
    }
    return out;
  }

  /**
   * Java thread id by kernel thread id; the JVM's own threads, which have no Java id, are left
   * out.
   */
  static Map<Integer, Long> javaIdsByTid(String dump) {
    Map<Integer, Long> out = new HashMap<>();
    for (String line : dump.split("\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.find() && m.group(2) != null) {
        out.put(tid(m), Long.parseLong(m.group(2)));
      }
    }
    return out;
  }

  /** The header's {@code [tid]}, or its {@code nid=}. */
  private static int tid(Matcher header) {
    if (header.group(3) != null) {
      return Integer.parseUnsignedInt(header.group(3));
    }
    String nid = header.group(4);
    return nid.startsWith("0x") ? Integer.parseUnsignedInt(nid.substring(2), 16)
        : Integer.parseUnsignedInt(nid);
  }
}
