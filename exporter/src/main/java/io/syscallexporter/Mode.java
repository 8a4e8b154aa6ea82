package io.syscallexporter;

/** Where the exporter runs. */
public enum Mode {
  /** Standalone: the whole host, its own process. */
  HOST,
  /**
   * Inside a Java service ({@code -javaagent} or attach): that JVM only, a guest in someone
   * else's process. It changes nothing global (capabilities, signals, system properties).
   */
  AGENT
}
