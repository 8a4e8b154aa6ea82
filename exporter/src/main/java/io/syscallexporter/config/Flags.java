package io.syscallexporter.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Command-line flags, exporter-toolkit style: {@code --name=value} or {@code --name value};
 * boolean flags also as {@code --name} and {@code --no-name}.
 */
public final class Flags {
  public static final int DEFAULT_PORT = 9548;
  public static final String DEFAULT_AGENT_SOCKET = "/run/syscall_exporter/agent.sock";

  private record Flag(String name, String placeholder, String defaultValue, String help,
      BiConsumer<Builder, String> apply) {
    boolean isBoolean() {
      return placeholder == null;
    }
  }

  private static final Map<String, Flag> FLAGS = new LinkedHashMap<>();

  static {
    add(new Flag("web.listen-address", "host:port", ":" + DEFAULT_PORT,
        "Address to serve metrics and pages on (empty host: all interfaces).",
        (b, v) -> b.listen(v)));
    add(new Flag("web.telemetry-path", "path", "/metrics", "Path under which to expose metrics.",
        (b, v) -> b.telemetryPath(v)));
    add(new Flag("web.config.file", "path", "",
        "Prometheus exporter-toolkit web config (TLS, basic auth, headers); re-read when it"
            + " changes.",
        (b, v) -> b.webConfigFile = v.isEmpty() ? null : Path.of(v)));
    add(new Flag("web.timed-out-view", null, "true",
        "Serve the on-call view of stuck syscalls (pids, file paths, kernel stacks) at"
            + " /timed-out and /api/v1/timed-out; --no-web.timed-out-view turns it off.",
        (b, v) -> b.timedOutView = Boolean.parseBoolean(v)));
    add(new Flag("slow.threshold", "duration", "1s",
        "Completed syscalls at least this long count in syscall_slow_total and are logged.",
        (b, v) -> b.slowThreshold = positive(v)));
    add(new Flag("slow.all", null, "false",
        "Count every syscall at or above the slow threshold as slow, waits by design included"
            + " (epoll_wait, futex, nanosleep, ...), except the config file's slow.exclude.",
        (b, v) -> b.slowAll = Boolean.parseBoolean(v)));
    add(new Flag("syscall.timeout", "duration", "10s",
        "A syscall in flight longer than this counts as timed out.",
        (b, v) -> b.syscallTimeout = positive(v)));
    add(new Flag("scan.interval", "duration", "1s",
        "How often to scan in-flight syscalls for timeouts (at least 10ms).",
        (b, v) -> b.scanInterval = atLeast(v, Duration.ofMillis(10))));
    add(new Flag("drain.interval", "duration", "10s",
        "How often to move the kernel's latency counts into the exporter's totals (at least"
            + " 10ms); a storm of new label sets drains sooner. Scrapes are always current.",
        (b, v) -> b.drainInterval = atLeast(v, Duration.ofMillis(10))));
    add(new Flag("config.file", "path", "",
        "YAML file of per-syscall timeouts and policy lists (see config/example.yml).",
        (b, v) -> b.configFile = v.isEmpty() ? null : Path.of(v)));
    add(new Flag("labels.pid", null, "false",
        "Add a pid label to per-process metrics (one series per process: high cardinality).",
        (b, v) -> b.perPid = Boolean.parseBoolean(v)));
    add(new Flag("labels.cgroup", null, "false",
        "Add a cgroup label: the calling process's cgroup v2 path, e.g."
            + " /system.slice/nginx.service.",
        (b, v) -> b.cgroup = Boolean.parseBoolean(v)));
    add(new Flag("labels.cgroup-root", "path", "",
        "Where the host's cgroup2 tree is mounted, for --labels.cgroup (empty: the cgroup2"
            + " mount in /proc/self/mountinfo; in a container, mount the host's there).",
        (b, v) -> b.cgroupRoot = v.isEmpty() ? null : Path.of(v)));
    add(new Flag("labels.limit", "n", "5000",
        "Most (syscall, process) label sets exported at once; while that many are held, new"
            + " ones are summed into process=\"_other\".",
        (b, v) -> b.labelLimit = positiveInt(v)));
    add(new Flag("labels.idle-timeout", "duration", "15m",
        "A label set without calls for this long leaves /metrics and frees its place under"
            + " --labels.limit; if it comes back, its counters start from zero.",
        (b, v) -> b.labelIdleTimeout = atLeast(v, Duration.ofSeconds(1))));
    add(new Flag("log.rate-limit", "n", "10",
        "Most log lines per second for slow calls, and as many for timed-out calls; the rest"
            + " are counted, not logged (0: none).",
        (b, v) -> b.logRateLimit = nonNegativeInt(v)));
    add(new Flag("agent.socket", "path", DEFAULT_AGENT_SOCKET,
        "Unix socket through which JVMs running the agent join this exporter (empty: none)."
            + " An agent joins when it exists; its JVM is then measured by thread pool.",
        (b, v) -> b.agentSocket = v.isEmpty() ? null : Path.of(v)));
    add(new Flag("agent.name", "name", "",
        "Agent only: the process label of this JVM's series (empty: the main class, or the"
            + " jar's file name).",
        (b, v) -> b.agentName = AgentNames.check(v)));
    add(new Flag("agent.start-timeout", "duration", "5s",
        "Standalone agent only: how long -javaagent holds the service's main until the programs"
            + " are attached, so its first calls are measured (0: not at all); past it, the"
            + " agent starts in the background.",
        (b, v) -> b.agentStartTimeout = notNegative(v)));
    add(new Flag("agent.service-endpoint", null, "true",
        "Agent only: put this JVM's syscall series on the service's own metrics endpoint too:"
            + " the registry of Micrometer's Prometheus registry (Spring Boot's"
            + " /actuator/prometheus), else client_java's or simpleclient's default registry.",
        (b, v) -> b.agentServiceEndpoint = Boolean.parseBoolean(v)));
    add(new Flag("agent.host-series", null, "false",
        "Joined agent only: keep this JVM's series on the host exporter's /metrics even while"
            + " they are on the service's endpoint (each call is then in both: never sum over"
            + " the two jobs).",
        (b, v) -> b.agentHostSeries = Boolean.parseBoolean(v)));
  }

  private Flags() {}

  private static void add(Flag flag) {
    FLAGS.put(flag.name(), flag);
  }

  /** Thrown for {@code --help}: print the usage to stdout and exit 0. */
  public static final class HelpRequested extends Exception {
    public HelpRequested() {
      super("help");
    }
  }

  public static ExporterConfig parse(String... args) throws UsageException, HelpRequested {
    Builder b = new Builder();
    for (Flag f : FLAGS.values()) {
      f.apply().accept(b, f.defaultValue());
    }
    b.listenGiven = false; // the defaults are not the command line
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--help") || arg.equals("-h")) {
        throw new HelpRequested();
      }
      if (!arg.startsWith("--")) {
        throw new UsageException("unexpected argument \"" + arg + "\": flags start with --");
      }
      String body = arg.substring(2);
      int eq = body.indexOf('=');
      String name = eq < 0 ? body : body.substring(0, eq);
      String value = eq < 0 ? null : body.substring(eq + 1);
      Flag flag = FLAGS.get(name);
      if (flag == null && value == null && name.startsWith("no-")
          && FLAGS.containsKey(name.substring(3)) && FLAGS.get(name.substring(3)).isBoolean()) {
        flag = FLAGS.get(name.substring(3));
        value = "false";
      }
      if (flag == null) {
        throw new UsageException("unknown flag --" + name);
      }
      if (flag.isBoolean()) {
        if (value == null) {
          value = "true";
        } else if (!value.equals("true") && !value.equals("false")) {
          throw new UsageException("--" + name + " takes true or false, not \"" + value + "\"");
        }
      } else if (value == null) {
        if (i + 1 >= args.length) {
          throw new UsageException("--" + name + " needs a value (" + flag.placeholder() + ")");
        }
        value = args[++i];
      }
      try {
        flag.apply().accept(b, value);
      } catch (IllegalArgumentException e) {
        throw new UsageException("bad value for --" + name + ": " + e.getMessage());
      }
    }
    return b.build();
  }

  public static String usage() {
    StringBuilder s = new StringBuilder("usage: syscall_exporter [flags]\n"
        + "       java -jar syscall-exporter.jar attach PID [flags]\n"
        + "       java -javaagent:syscall-exporter.jar=flag,flag,... ...\n\n"
        + "Exports per-process, per-syscall latency measured in the kernel with eBPF; as a Java\n"
        + "agent (at start, or attached to a running JVM), that JVM's by Java thread pool.\n"
        + "Needs root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF.\n\nFlags:\n");
    s.append(String.format("  %-32s %s%n", "-h, --help", "Show this help and exit."));
    for (Flag f : FLAGS.values()) {
      String left = "--" + f.name() + (f.isBoolean() ? "" : "=" + f.placeholder());
      s.append(String.format("  %-32s %s (default: %s)%n", left, f.help(),
          f.defaultValue().isEmpty() ? "\"\"" : f.defaultValue()));
    }
    return s.toString();
  }

  private static Duration positive(String v) {
    Duration d = Durations.parse(v);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException("must be more than 0");
    }
    return d;
  }

  private static Duration notNegative(String v) {
    Duration d = Durations.parse(v);
    if (d.isNegative()) {
      throw new IllegalArgumentException("must not be negative");
    }
    return d;
  }

  private static Duration atLeast(String v, Duration min) {
    Duration d = Durations.parse(v);
    if (d.compareTo(min) < 0) {
      throw new IllegalArgumentException("must be at least " + Durations.format(min));
    }
    return d;
  }

  private static int positiveInt(String v) {
    int n = nonNegativeInt(v);
    if (n == 0) {
      throw new IllegalArgumentException("must be at least 1");
    }
    return n;
  }

  private static int nonNegativeInt(String v) {
    int n;
    try {
      n = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a whole number: \"" + v + "\"");
    }
    if (n < 0) {
      throw new IllegalArgumentException("must not be negative");
    }
    return n;
  }

  private static final class Builder {
    String host;
    int port;
    boolean listenGiven;
    String telemetryPath;
    Path webConfigFile;
    boolean timedOutView;
    Duration slowThreshold;
    boolean slowAll;
    Duration syscallTimeout;
    Duration scanInterval;
    Duration drainInterval;
    boolean perPid;
    boolean cgroup;
    Path cgroupRoot;
    int labelLimit;
    Duration labelIdleTimeout;
    int logRateLimit;
    Path configFile;
    Path agentSocket;
    String agentName;
    Duration agentStartTimeout;
    boolean agentServiceEndpoint;
    boolean agentHostSeries;

    void listen(String address) {
      listenGiven = true;
      int colon = address.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("\"" + address + "\" is not host:port (e.g. :"
            + DEFAULT_PORT + " or 127.0.0.1:" + DEFAULT_PORT + ")");
      }
      String h = address.substring(0, colon);
      if (h.startsWith("[") && h.endsWith("]")) {
        h = h.substring(1, h.length() - 1);
      }
      int p;
      try {
        p = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in \"" + address + "\"");
      }
      if (p < 0 || p > 65535) {
        throw new IllegalArgumentException("port " + p + " is outside 0-65535");
      }
      host = h;
      port = p;
    }

    void telemetryPath(String path) {
      if (!path.startsWith("/") || path.equals("/")) {
        throw new IllegalArgumentException("must start with / and not be / itself (the landing"
            + " page), e.g. /metrics");
      }
      telemetryPath = path;
    }

    ExporterConfig build() throws UsageException {
      if (labelIdleTimeout.compareTo(drainInterval) < 0) {
        throw new UsageException("--labels.idle-timeout (" + Durations.format(labelIdleTimeout)
            + ") must be at least --drain.interval (" + Durations.format(drainInterval) + ")");
      }
      return new ExporterConfig(host, port, telemetryPath, webConfigFile, timedOutView,
          slowThreshold, slowAll, syscallTimeout,
          scanInterval, drainInterval, perPid, cgroup, cgroupRoot, labelLimit, labelIdleTimeout,
          logRateLimit, configFile, agentSocket, agentName, agentStartTimeout,
          agentServiceEndpoint, agentHostSeries, listenGiven);
    }
  }
}
