package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/** The exporter's shaded jar, run as its own process, the way users run it. */
final class ExporterProcess implements AutoCloseable {
  static final Path JAR = Path.of(System.getProperty("exporter.jar",
      "target/syscall-exporter.jar"));
  static final Path JVM_OPTIONS = Path.of("../scripts/jvm.options").toAbsolutePath();

  private final Process process;
  private final Path log;
  private Path configFile;
  final int port;
  /** How the tests reach it: plain HTTP, or TLS and basic auth as its web config asks. */
  private final Client client;

  /** The scheme, client and Authorization header (or null) to reach the exporter with. */
  record Client(String scheme, HttpClient http, String authorization) {
    static final Client PLAIN = new Client("http", HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5)).build(), null);
  }

  private ExporterProcess(Process process, Path log, int port, Client client) {
    this.process = process;
    this.log = log;
    this.port = port;
    this.client = client;
  }

  /** Starts the exporter on a free loopback port and waits until its programs are attached. */
  static ExporterProcess start(String... flags) throws Exception {
    return start(List.of(), JVM_OPTIONS, JAR, Client.PLAIN, flags);
  }

  /** Starts {@code jar} on {@code port} (the address of one that stopped: a restart). */
  static ExporterProcess startOn(int port, Path jar, String... flags) throws Exception {
    return start(List.of(), JVM_OPTIONS, jar, Client.PLAIN, port, flags);
  }

  /** Starts the exporter with flags that need another client (a --web.config.file). */
  static ExporterProcess start(Client client, String... flags) throws Exception {
    return start(List.of(), JVM_OPTIONS, JAR, client, flags);
  }

  /** The systemd unit whose user and capabilities the unprivileged tests run with. */
  static final Path UNIT = Path.of("../deploy/systemd/syscall_exporter.service").toAbsolutePath();

  /**
   * Starts the exporter as the systemd unit runs it: an unprivileged user (nobody, standing in
   * for DynamicUser) with exactly the unit's AmbientCapabilities and no new privileges, from
   * world-readable copies of the jar and its JVM options.
   */
  static ExporterProcess startUnprivileged(String... flags) throws Exception {
    Path dir = Files.createTempDirectory("syscall-exporter-nobody");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.copy(JAR, dir.resolve("syscall-exporter.jar"));
    Path options = Files.copy(JVM_OPTIONS, dir.resolve("jvm.options"));
    for (Path p : List.of(jar, options)) {
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
    }
    String caps = "-all," + unitCapabilities();
    return start(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
        "--no-new-privs", "--inh-caps=" + caps, "--ambient-caps=" + caps,
        "--bounding-set=" + caps), options, jar, Client.PLAIN, flags);
  }

  /** The unit's AmbientCapabilities as setpriv writes them: "+bpf,+perfmon,...". */
  static String unitCapabilities() throws IOException {
    String line = Files.readAllLines(UNIT).stream()
        .filter(l -> l.startsWith("AmbientCapabilities=")).findFirst().orElseThrow();
    List<String> caps = new ArrayList<>();
    for (String cap : line.substring(line.indexOf('=') + 1).trim().split("\\s+")) {
      caps.add("+" + cap.toLowerCase().replaceFirst("^cap_", ""));
    }
    return String.join(",", caps);
  }

  private static ExporterProcess start(List<String> prefix, Path jvmOptions, Path jar,
      Client client, String... flags) throws Exception {
    return start(prefix, jvmOptions, jar, client, freePort(), flags);
  }

  private static ExporterProcess start(List<String> prefix, Path jvmOptions, Path jar,
      Client client, int port, String... flags) throws Exception {
    Path log = Files.createTempFile("syscall-exporter-it", ".log");
    // With the JVM options scripts/run.sh uses, so the tests run what users run.
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of("java", "@" + jvmOptions, "-jar", jar.toString(),
        "--web.listen-address=127.0.0.1:" + port));
    cmd.addAll(List.of(flags));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    ExporterProcess e = new ExporterProcess(p, log, port, client);
    e.awaitAttached();
    return e;
  }

  /** Starts the exporter under a command that runs it ({@code unshare ...}). */
  static ExporterProcess startUnder(List<String> prefix, String... flags) throws Exception {
    return start(prefix, JVM_OPTIONS, JAR, Client.PLAIN, flags);
  }

  /** Starts the exporter with a config file holding {@code yaml}, deleted on close. */
  static ExporterProcess startWithConfig(String yaml, String... flags) throws Exception {
    Path config = Files.createTempFile("config", ".yml");
    Files.writeString(config, yaml);
    List<String> all = new ArrayList<>(List.of("--config.file=" + config));
    all.addAll(List.of(flags));
    try {
      ExporterProcess e = start(all.toArray(String[]::new));
      e.configFile = config;
      return e;
    } catch (Exception | AssertionError failed) {
      Files.delete(config);
      throw failed;
    }
  }

  /** How a run of the jar that is expected to end by itself ended. */
  record Exit(int code, String stdout, String stderr) {}

  /** Runs the jar with {@code args} to its end (for start-up errors and --help). */
  static Exit runToExit(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "@" + JVM_OPTIONS, "-jar", JAR.toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("exporter-out", ".txt");
    Path err = Files.createTempFile("exporter-err", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile())
          .redirectError(err.toFile()).start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exporter ends by itself").isTrue();
      return new Exit(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A free port none of {@code taken}: two free ports asked in a row may be the same one. */
  static int freePortOtherThan(int... taken) throws IOException {
    while (true) {
      int port = freePort();
      if (IntStream.of(taken).noneMatch(t -> t == port)) {
        return port;
      }
    }
  }

  private void awaitAttached() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("exporter exited with " + process.exitValue() + ":\n" + log());
      }
      try {
        if (scrape().value("syscall_exporter_programs_attached") == 3) {
          return;
        }
      } catch (IOException | AssertionError notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("exporter did not attach within 60 s:\n" + log());
  }

  /**
   * Waits until {@code n} more scans of the calls in flight have run: with 2, what the last
   * says began after this call. Counts scans, not seconds: a busy machine only makes it wait.
   */
  void awaitScans(int n) throws Exception {
    double from = scrape().value("syscall_exporter_scans_total");
    Await.awaitTrue(n + " more scans", 60,
        () -> scrape().value("syscall_exporter_scans_total") >= from + n);
  }

  MetricsText scrape() throws IOException, InterruptedException {
    HttpResponse<String> r = get("/metrics", "text/plain");
    assertThat(r.statusCode()).as("scrape status").isEqualTo(200);
    return new MetricsText(r.body());
  }

  HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
    return client.http().send(request(path, accept), HttpResponse.BodyHandlers.ofString());
  }

  InputStream getBytes(String path, String accept) throws IOException, InterruptedException {
    return client.http().send(request(path, accept), HttpResponse.BodyHandlers.ofInputStream())
        .body();
  }

  private HttpRequest request(String path, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path)))
        .header("Accept", accept).timeout(Duration.ofSeconds(30));
    if (client.authorization() != null) {
      b.header("Authorization", client.authorization());
    }
    return b.build();
  }

  String url(String path) {
    return client.scheme() + "://127.0.0.1:" + port + path;
  }

  String log() throws IOException {
    return Files.readString(log, StandardCharsets.UTF_8);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Sends a signal by name ("TERM", "KILL") and returns the exit code. */
  int signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    assertThat(kill.waitFor()).isZero();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("exporter exits on SIG" + name).isTrue();
    return process.exitValue();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      signal("TERM");
    }
    Files.deleteIfExists(log);
    if (configFile != null) {
      Files.deleteIfExists(configFile);
    }
  }
}
