package io.syscallexporter.jvm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a Java thread's name becomes its {@code thread} label: the same for every thread of a
 * pool, and the same after the service restarts. The defaults fold what differs between the
 * threads of a pool (the trailing number) and between two runs of the same service (object
 * identity hashes, and the pool thread's number Jetty puts inside an acceptor's name); the
 * config file's rules ({@code thread_pools.rules}) then apply, in order, to what the defaults
 * made. Examples are in docs/agent.md; applied to a label again, the defaults change nothing.
 */
public final class ThreadPoolRules {
  /** A regex and its replacement ({@link Matcher#replaceAll} syntax: $1 is group 1). */
  public record Rule(Pattern match, String replacement) {
    String apply(String name) {
      return match.matcher(name).replaceAll(replacement);
    }
  }

  /** The defaults, in the order they apply. */
  static final List<Rule> DEFAULTS = List.of(
      // Object.toString's identity hash: ServerConnector@3b084709 -> ServerConnector@*
      new Rule(Pattern.compile("@[0-9a-fA-F]+"), "@*"),
      // A decimal identity hash: Jetty's qtp985934102 -> qtp*. Ports and counters are shorter.
      new Rule(Pattern.compile("\\d{6,}"), "*"),
      // Jetty's pool thread number, also inside an acceptor's or selector's name.
      new Rule(Pattern.compile("^qtp\\*-\\d+"), "qtp*-*"),
      // The thread's number in its pool: http-nio-8080-exec-12 -> http-nio-8080-exec-*
      new Rule(Pattern.compile("\\d+$"), "*"));

  /** The defaults alone. */
  public static final ThreadPoolRules DEFAULT = new ThreadPoolRules(List.of());

  private final List<Rule> rules;

  /** The defaults, then {@code configured}. */
  public ThreadPoolRules(List<Rule> configured) {
    List<Rule> all = new ArrayList<>(DEFAULTS);
    all.addAll(configured);
    this.rules = List.copyOf(all);
  }

  /**
   * The label of a thread's pool, from its full name, or from the key the kernel made of a
   * thread's comm (its first 15 bytes, trailing number already {@code *}).
   */
  public String label(String threadName) {
    String label = threadName;
    for (Rule r : rules) {
      label = r.apply(label);
    }
    return label.isEmpty() ? "_empty" : label;
  }
}
