package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.tools.attach.VirtualMachine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * The plain Java service of src/test/resources/service, run from source with its own old
 * versions of the agent's libraries on its class path, optionally with the agent. Commands go
 * to its stdin; its stdout lines are awaited; its stderr is kept.
 */
final class JavaService implements AutoCloseable {
  static final Path SOURCE = Path.of("src/test/resources/service/IoService.java").toAbsolutePath();
  static final String DEPS = System.getProperty("service.deps", "target/service-deps") + "/*";
  static final String TRACED_DEPS = System.getProperty("traced.deps", "target/traced-deps");
  /**
   * The java the services run on: {@code -Dservice.java=...} (the build runs the agent's suites
   * on Java 17 and again on Java 25), else this JVM's.
   */
  static final String JAVA = System.getProperty("service.java",
      ProcessHandle.current().info().command().orElse("java"));
  static final Path VIRTUAL_SOURCE =
      Path.of("src/test/resources/virtual/VirtualService.java").toAbsolutePath();

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  /** Every line it printed, awaited or not. */
  private final List<String> printed = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Path stderr;
  private final HttpClient http = HttpClient.newHttpClient();
  /** What the service said when it was ready ("service ready ..."). */
  private String ready;

  private JavaService(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          printed.add(line);
          stdout.add(line);
        }
      } catch (IOException ignored) {
        // the process is gone
      }
    }, "service-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * {@code agentFlags} null: no agent; else the -javaagent options. {@code prefix}: e.g.
   * setpriv.
   */
  static JavaService start(List<String> prefix, String agentFlags) throws Exception {
    return start(prefix, List.of(), agentFlags);
  }

  /** With options for the service's JVM ({@code -Dname=value}). */
  static JavaService start(List<String> prefix, List<String> jvmOptions, String agentFlags)
      throws Exception {
    return start(prefix, jvmOptions, agentFlags, SOURCE.toString());
  }

  /** {@code main}: the source file to run, or a class on the class path. */
  private static JavaService start(List<String> prefix, List<String> jvmOptions,
      String agentFlags, String main) throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(checked(JAVA));
    // "-cp PATH" among the options: PATH goes before the service's own libraries.
    List<String> options = new ArrayList<>(jvmOptions);
    String classPath = DEPS;
    int cp = options.indexOf("-cp");
    if (cp >= 0) {
      classPath = options.get(cp + 1) + ":" + DEPS;
      options.subList(cp, cp + 2).clear();
    }
    cmd.addAll(options);
    if (agentFlags != null) {
      cmd.add("-javaagent:" + ExporterProcess.JAR + "=" + agentFlags);
    }
    cmd.addAll(List.of("-cp", classPath, main));
    return launch(cmd);
  }

  /**
   * A service packaged as an executable jar (a Spring Boot fat jar, say), with the agent and
   * {@code args}; it says "service ready" when it serves.
   */
  static JavaService startJar(Path jar, String agentFlags, List<String> args) throws Exception {
    return startJar(jar, List.of(), agentFlags, args);
  }

  /** With options for the service's JVM, before the agent's. */
  static JavaService startJar(Path jar, List<String> jvmOptions, String agentFlags,
      List<String> args) throws Exception {
    return startJar(Path.of(JAVA), jar, jvmOptions, agentFlags, args);
  }

  /** On {@code java}. */
  static JavaService startJar(Path java, Path jar, List<String> jvmOptions, String agentFlags,
      List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(checked(java.toString()));
    cmd.addAll(jvmOptions);
    if (agentFlags != null) {
      cmd.add("-javaagent:" + ExporterProcess.JAR + "=" + agentFlags);
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(args);
    return launch(cmd);
  }

  /**
   * The real OpenTelemetry Java agent (spans exported nowhere), given our jar as its extension:
   * the options before ours.
   */
  static List<String> openTelemetryAgent() {
    return openTelemetryAgent(TRACED_DEPS);
  }

  /**
   * The same, for a service on Java 25, which needs a newer agent (2.31.1); told to start in a
   * program run from source too, which it takes for a JDK tool.
   */
  static List<String> openTelemetryAgentForJava25() {
    List<String> options = new ArrayList<>(openTelemetryAgent(TRACED_DEPS + "-java25"));
    options.add("-Dotel.javaagent.enabled=true");
    return options;
  }

  private static List<String> openTelemetryAgent(String directory) {
    return List.of("-javaagent:" + directory + "/opentelemetry-javaagent.jar",
        "-Dotel.javaagent.extensions=" + ExporterProcess.JAR,
        "-Dotel.traces.exporter=none", "-Dotel.metrics.exporter=none",
        "-Dotel.logs.exporter=none");
  }

  /**
   * src/test/resources/traced/TracedService.java under the {@link #openTelemetryAgent()} and
   * our agent.
   */
  static JavaService startTraced(String agentFlags, String... jvmOptions) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(checked(JAVA)));
    cmd.addAll(openTelemetryAgent());
    cmd.add("-javaagent:" + ExporterProcess.JAR + "=" + agentFlags);
    cmd.addAll(List.of(jvmOptions));
    cmd.addAll(List.of("-cp", TRACED_DEPS + "/*:" + DEPS,
        Path.of("src/test/resources/traced/TracedService.java").toAbsolutePath().toString()));
    return launch(cmd);
  }

  /**
   * src/test/resources/virtual/VirtualService.java on {@code java} (21 or later), with the
   * OpenTelemetry API on its class path; {@code jvmOptions} before the agent's ({@code
   * agentFlags}, null: none).
   */
  static JavaService startVirtual(Path java, List<String> jvmOptions, String agentFlags)
      throws Exception {
    List<String> cmd = new ArrayList<>(List.of(java.toString()));
    cmd.addAll(jvmOptions);
    if (agentFlags != null) {
      cmd.add("-javaagent:" + ExporterProcess.JAR + "=" + agentFlags);
    }
    cmd.addAll(List.of("-cp", TRACED_DEPS + "/opentelemetry-api-1.44.1.jar:" + TRACED_DEPS
        + "/opentelemetry-context-1.44.1.jar", VIRTUAL_SOURCE.toString()));
    return launch(cmd);
  }

  /** {@code java}, checked to be there (it may be a -Dservice.java). */
  private static String checked(String java) {
    return Java25.require(Path.of(java).toAbsolutePath()).toString();
  }

  private static JavaService launch(List<String> cmd) throws Exception {
    Path err = Files.createTempFile("service", ".err");
    err.toFile().setReadable(true, false);
    Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
    JavaService s = new JavaService(p, err);
    try {
      s.ready = s.awaitLine("service ready", 120);
    } catch (AssertionError e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** A "key=value" the service said when it was ready (e.g. its port), or null. */
  String said(String key) {
    for (String word : ready.split(" ")) {
      if (word.startsWith(key + "=")) {
        return word.substring(key.length() + 1);
      }
    }
    return null;
  }

  static JavaService start(String agentFlags) throws Exception {
    return start(List.of(), agentFlags);
  }

  /**
   * The service compiled ahead (into target/service-classes, once), so that its main runs as
   * soon as the JVM and its agent have started, not after compiling its source.
   */
  static JavaService startCompiled(List<String> jvmOptions, String agentFlags)
      throws Exception {
    List<String> options = new ArrayList<>(jvmOptions);
    options.addAll(List.of("-cp", compiled().toString()));
    return start(List.of(), options, agentFlags, "IoService");
  }

  private static synchronized Path compiled() throws Exception {
    Path classes = Path.of("target/service-classes").toAbsolutePath();
    if (!Files.exists(classes.resolve("IoService.class"))
        || Files.getLastModifiedTime(classes.resolve("IoService.class"))
            .compareTo(Files.getLastModifiedTime(SOURCE)) < 0) {
      Process javac = new ProcessBuilder("javac", "-d", classes.toString(), "-cp", DEPS,
          SOURCE.toString()).inheritIO().start();
      assertThat(javac.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(javac.exitValue()).as("javac IoService").isZero();
    }
    return classes;
  }

  /** Sends a command and waits for the line that says it is done. */
  void command(String command, String doneLine) throws Exception {
    stdin.write(command + "\n");
    stdin.flush();
    if (doneLine != null) {
      awaitLine(doneLine, 60);
    }
  }

  String awaitLine(String prefix, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      String line = stdout.poll(100, TimeUnit.MILLISECONDS);
      if (line != null && line.startsWith(prefix)) {
        return line;
      }
      if (line == null && !process.isAlive() && stdout.isEmpty()) {
        break;
      }
    }
    throw new AssertionError("service did not print \"" + prefix + "\"; stderr:\n" + stderr());
  }

  /** Waits until the agent's port answers. */
  void awaitAgent(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try {
        scrape(port);
        return;
      } catch (IOException notYet) {
        assertThat(process.isAlive()).as("service alive; stderr:\n%s", stderr()).isTrue();
        Thread.sleep(100);
      }
    }
    throw new AssertionError("agent did not serve on " + port + "; stderr:\n" + stderr());
  }

  MetricsText scrape(int port) throws IOException, InterruptedException {
    return new MetricsText(get(port, "/metrics"));
  }

  String get(int port, String path) throws IOException, InterruptedException {
    return get(port, path, "*/*");
  }

  String get(int port, String path, String accept) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + path)).header("Accept", accept)
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(path).isEqualTo(200);
    return r.body();
  }

  long pid() {
    return process.pid();
  }

  /** Every line the service printed so far. */
  List<String> stdoutLines() {
    return List.copyOf(printed);
  }

  String stderr() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  /** Ends the service the way it ends itself; returns its exit status. */
  int exit() throws Exception {
    command("exit", "bye");
    stdin.close();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("service exits").isTrue();
    return process.exitValue();
  }

  /** The JVM's pid: the first process, or the child a prefix (unshare --fork) started it as. */
  long jvmPid() throws IOException {
    long pid = pid();
    for (int depth = 0; depth < 3; depth++) {
      if (Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals("java")) {
        return pid;
      }
      String children = Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children"))
          .strip();
      if (children.isEmpty()) {
        break;
      }
      pid = Long.parseLong(children.split(" ")[0]);
    }
    return pid();
  }

  /** SIGKILL, as an OOM killer or an operator's kill -9 would end it. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * Attributes of one {@code syscall=read} MBean of the service, read over a JMX connection
   * from this JVM, as a JMX tool would, once {@code attr} is {@code expected}.
   */
  Map<String, Object> jmx(String process, String metric, String thread, String attr,
      Object expected) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(jvmPid()));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    try (JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address))) {
      MBeanServerConnection server = c.getMBeanServerConnection();
      ObjectName name = new ObjectName("syscall_exporter:name=" + metric + ",process="
          + process + ",syscall=read,thread=" + ObjectName.quote(thread));
      // A joined JVM's values come after the host exporter's next drain (every 10 s).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        Set<ObjectName> names = server.queryNames(new ObjectName("syscall_exporter:*"), null);
        if (names.contains(name) && expected.equals(server.getAttribute(name, attr))) {
          return Map.of("Count", server.getAttribute(name, "Count"),
              "Mean", server.getAttribute(name, "Mean"),
              "50thPercentile", server.getAttribute(name, "50thPercentile"),
              "99thPercentile", server.getAttribute(name, "99thPercentile"));
        }
        Thread.sleep(200);
      }
      throw new AssertionError(name + " " + attr + " never " + expected + "; the domain holds "
          + server.queryNames(new ObjectName("syscall_exporter:*"), null));
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    Files.deleteIfExists(stderr);
  }
}
