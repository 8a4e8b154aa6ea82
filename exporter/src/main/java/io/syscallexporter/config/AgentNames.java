package io.syscallexporter.config;

import java.util.regex.Pattern;

/**
 * The rule for a joined JVM's name (its process label): short and printable, as an agent may
 * be anyone's process on the host.
 */
public final class AgentNames {
  public static final int MAX_LENGTH = 64;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@/+-]{1," + MAX_LENGTH + "}");

  private AgentNames() {}

  /** The name, or "" for none; throws IllegalArgumentException naming the rule. */
  public static String check(String name) {
    if (name.isEmpty() || NAME.matcher(name).matches()) {
      return name;
    }
    throw new IllegalArgumentException("an agent name is 1 to " + MAX_LENGTH + " of A-Z a-z"
        + " 0-9 . _ : @ / + -");
  }

  /**
   * The default name of a JVM: its main class, or the file name of its jar, from the
   * {@code sun.java.command} property ("com.example.Main args", "/opt/app.jar args").
   */
  public static String fromCommand(String command) {
    String first = command.strip().split("\\s+", 2)[0];
    String base = first.substring(first.lastIndexOf('/') + 1);
    String name = base.replaceAll("[^A-Za-z0-9._:@/+-]", "_");
    return name.isEmpty() ? "java" : name.substring(0, Math.min(name.length(), MAX_LENGTH));
  }

  /** Whether a name sent by an agent may be used as it is. */
  public static boolean isValid(String name) {
    return NAME.matcher(name).matches();
  }
}
