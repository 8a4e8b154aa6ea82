package io.syscallexporter.jvm;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Java thread runs on which kernel thread, from the JVM's own thread dump (the
 * DiagnosticCommand {@code Thread.print}): the only supported source of a thread's native id.
 * Each Java thread's header line carries {@code #<java id>} and {@code nid=<tid>}: hex up to
 * JDK 18, decimal since JDK 19.
 */
final class ThreadDump {
  /**
   * A thread's header line; the JVM's own threads (GC, compiler) have no Java id. The name is
   * greedy: it may itself contain quotes; what follows its closing quote does not.
   */
  private static final Pattern HEADER =
      Pattern.compile("^\"(.*)\" (?:#(\\d+) )?.*?\\bnid=(0x[0-9a-fA-F]+|\\d+)\\b");

  private ThreadDump() {}

  /** Every thread's name by kernel thread id, the JVM's own threads included. */
  static Map<Integer, String> namesByTid(String dump) {
    Map<Integer, String> out = new HashMap<>();
    for (String line : dump.split("\n")) {
      Matcher m = HEADER.matcher(line);
      if (m.find()) {
        out.put(tid(m.group(3)), m.group(1));
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
        out.put(tid(m.group(3)), Long.parseLong(m.group(2)));
      }
    }
    return out;
  }

  private static int tid(String nid) {
    return nid.startsWith("0x") ? Integer.parseUnsignedInt(nid.substring(2), 16)
        : Integer.parseUnsignedInt(nid);
  }
}
