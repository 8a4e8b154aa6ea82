package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JVMs join one host exporter through its agent socket: a plain one, one as pid 1 of its own
 * pid namespace (a container's), one as user nobody without any capability. The exporter owns
 * the only BPF programs; each JVM's threads are counted exactly under its own name and thread
 * pool, a stuck one is shown with its Java name and stack, and hostile clients of the socket
 * change nothing of that.
 */
class JoinIT {
  static final String POOL = "io-worker-*";
  static final List<String> PID_NAMESPACE = List.of("unshare", "--pid", "--fork",
      "--mount-proc");
  static final List<String> NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
      "--clear-groups", "--inh-caps=-all");

  @TempDir
  static Path work;

  /** World-readable: the socket and the file the services read, for nobody too. */
  static SharedDir shared;
  static Path socket;
  static Path file;

  @BeforeAll
  static void sharedDirectory() throws IOException {
    KernelRequired.check();
    shared = SharedDir.create("syscall-exporter-join");
    socket = shared.socket();
    file = shared.data();
  }

  @AfterAll
  static void removeSharedDirectory() throws IOException {
    if (shared != null) {
      shared.delete();
    }
  }

  static String agentFlags(String name) {
    return "--agent.socket=" + socket + ",--agent.name=" + name;
  }

  static ExporterProcess exporter() throws Exception {
    return ExporterProcess.start("--agent.socket=" + socket, "--syscall.timeout=1s",
        "--scan.interval=200ms");
  }

  static void awaitJoined(ExporterProcess exporter, int jvms) throws Exception {
    awaitTrue(jvms + " JVMs joined", 60,
        () -> exporter.scrape().value("syscall_exporter_agents_joined") == jvms);
  }

  static double reads(ExporterProcess exporter, String process) throws Exception {
    Double v = exporter.scrape().find("syscall_duration_seconds_count", "process", process,
        "syscall", "read", "thread", POOL);
    return v == null ? 0 : v;
  }

  /**
   * 4 threads io-worker-1..4 x 1,000 reads, counted exactly under the JVM's own name: once its
   * agent has said the new threads' pools (within a second or two), and never more.
   */
  static void countsItsReads(ExporterProcess exporter, JavaService service, String name)
      throws Exception {
    double before = reads(exporter, name);
    service.command("io 4 1000 " + file, "io done");
    awaitTrue("reads of " + name, 15, () -> reads(exporter, name) - before >= 4000);
    assertThat(reads(exporter, name) - before).as("reads of %s", name).isEqualTo(4000);
  }

  @Test
  void threeJvmsJoinAndEachIsCountedByPoolUnderItsOwnName() throws Exception {
    int gammaPort = ExporterProcess.freePort();
    try (ExporterProcess exporter = exporter();
        JavaService alpha = JavaService.start(List.of(), agentFlags("alpha"));
        JavaService beta = JavaService.start(PID_NAMESPACE, agentFlags("beta"));
        JavaService gamma = JavaService.start(NOBODY, agentFlags("gamma")
            + ",--web.listen-address=127.0.0.1:" + gammaPort)) {
      awaitJoined(exporter, 3);
      countsItsReads(exporter, alpha, "alpha");
      countsItsReads(exporter, beta, "beta");
      countsItsReads(exporter, gamma, "gamma");
      // Named by their full Java names, in a pid namespace too.
      AgentIT.poolsAreKeptApart(exporter::scrape, beta, "beta", file);
      // The same count in each JVM's own JMX, sent by the exporter over the socket.
      for (JavaService jvm : List.of(alpha, beta, gamma)) {
        String name = jvm == alpha ? "alpha" : jvm == beta ? "beta" : "gamma";
        double count = reads(exporter, name);
        Map<String, Object> read = jvm.jmx(name, "syscall_duration_nanoseconds", POOL, "Count",
            (long) count);
        assertThat((Double) read.get("Mean")).isPositive();
      }
      // Given --web.listen-address, a joined agent serves its JVM's series on its own port too,
      // as the exporter sent them; without it, no port.
      awaitTrue("gamma's own port has the exporter's count", 30, () -> reads(exporter, "gamma")
          == gamma.scrape(gammaPort).value("syscall_duration_seconds_count", "process",
              "gamma", "syscall", "read", "thread", POOL));
      assertThat(gamma.get(gammaPort, "/")).contains("as the host exporter it joined");
      assertThat(gamma.stderr()).contains("address=127.0.0.1:" + gammaPort);
      assertThat(alpha.stderr()).contains("address=none");
      assertThat(alpha.stderr()).contains("mode=joined").doesNotContain("level=warn");
      assertThat(gamma.stderr()).contains("mode=joined").doesNotContain("level=warn");
      // No native code of the exporter's in a joined JVM: that is the host exporter's job.
      String maps = Files.readString(Path.of("/proc/" + alpha.pid() + "/maps"));
      assertThat(maps).doesNotContain("jffi").doesNotContain("libbpf");
      // Other processes are still counted by their own names.
      Workload w = Workload.run(Workload.uniqueName("jn"), "getppid", "1000");
      assertThat(exporter.scrape().value("syscall_duration_seconds_count", "process", w.name,
          "syscall", "getppid")).isEqualTo(1000);
    }
  }

  @Test
  void aStuckThreadOfAJvmInAContainerIsShownWithItsJavaStack() throws Exception {
    HangFs fs = HangFs.mount(3600);
    ExporterProcess exporter = exporter();
    JavaService beta = JavaService.start(PID_NAMESPACE, agentFlags("beta"));
    try {
      awaitJoined(exporter, 1);
      beta.command("hang " + fs.slowFile(), "hang started");
      // Listed at once by its comm; its Java stack comes from the JVM a moment later.
      awaitTrue("the stuck read listed with its Java stack", 30, () -> exporter.get(
          "/api/v1/timed-out", "application/json").body().contains("IoService.readHungFile("));
      Map<String, Object> call = Json.timedOutCall(exporter.get("/api/v1/timed-out",
          "application/json").body(), "thread", "fuse-reader-1");
      assertThat(call).containsEntry("syscall", "read")
          .containsEntry("file", fs.slowFile().toString());
      assertThat(Json.list(call.get("java_stack"))).anySatisfy(frame ->
          assertThat((String) frame).startsWith("IoService.readHungFile("));
      assertThat(exporter.scrape().value("syscall_timed_out", "process", "beta", "syscall",
          "read", "thread", "fuse-reader-*")).isEqualTo(1);
      // The JVM dashboard, service variable included, through Debian's Prometheus.
      Prometheus.assertPanelsHaveData(Path.of("../grafana-dashboards/jvm.json"), exporter.port,
          work);
    } finally {
      fs.close(); // first: until it goes, the stuck read holds off even SIGKILL
      beta.close();
      exporter.close();
    }
  }

  @Test
  void aJoinedJvmThatNeverAnswersHoldsUpNoScan() throws Exception {
    try (HangFs fs = HangFs.mount(3600);
        ExporterProcess exporter = exporter();
        SocketChannel mute = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      // This JVM joins, then reads nothing more: no stack request is ever answered.
      Channels.newOutputStream(mute).write(frame(1, "mute"));
      ByteBuffer welcome = ByteBuffer.allocate(5);
      while (welcome.hasRemaining() && mute.read(welcome) >= 0) {
        // the answer's length and type
      }
      assertThat(welcome.get(4)).as("WELCOME").isEqualTo((byte) 5);
      // Eight of its threads hang on the file, and at the same time another process.
      for (int i = 0; i < 8; i++) {
        Thread t = new Thread(() -> {
          try {
            Files.readAllBytes(fs.slowFile());
          } catch (IOException e) {
            // the FUSE server is gone: the test is over
          }
        }, "mute-reader-" + i);
        t.setDaemon(true);
        t.start();
      }
      Workload reader = Workload.start(Workload.uniqueName("other"), "read",
          fs.slowFile().toString());
      try {
        // Each of the eight is asked of the mute JVM, whose answers never come: each has a
        // deadline of 2 s. A scan that waited for them would hold up every scan after it;
        // scans go on every 200 ms instead, and the other process's read is listed.
        awaitTrue("the mute JVM's threads listed", 10, () -> exporter.get("/api/v1/timed-out",
            "application/json").body().contains("mute-reader-"));
        double asked = exporter.scrape().value("syscall_exporter_scans_total");
        awaitTrue("the other process's read listed", 10, () -> Double.valueOf(1).equals(
            exporter.scrape().find("syscall_timed_out", "syscall", "read", "process",
                reader.name)));
        // Counted in scans, up to when the mute JVM's deadlines pass (and its threads are
        // logged by their comms): 10 at 200 ms apart; a held scan would allow 1. At least 3.
        awaitTrue("the mute JVM's calls logged", 10,
            () -> exporter.log().contains("thread=mute-reader-"));
        assertThat(exporter.scrape().value("syscall_exporter_scans_total") - asked)
            .as("scans while the mute JVM's answers were due").isGreaterThanOrEqualTo(3);
        String json = exporter.get("/api/v1/timed-out", "application/json").body();
        assertThat(json).contains("\"process\":\"" + reader.name + "\"", "mute-reader-");
      } finally {
        fs.kill(); // first: until it goes, the stuck read holds off even SIGKILL
        reader.kill();
      }
    }
  }

  @Test
  void agentsRejoinARestartedExporterAndAKilledJvmIsForgotten() throws Exception {
    ExporterProcess first = exporter();
    JavaService alpha = JavaService.start(List.of(), agentFlags("alpha"));
    JavaService beta = JavaService.start(List.of(), agentFlags("beta"));
    try {
      awaitJoined(first, 2);
      first.close();
      try (ExporterProcess second = exporter()) {
        awaitJoined(second, 2);
        countsItsReads(second, alpha, "alpha");
        beta.kill();
        awaitJoined(second, 1);
        countsItsReads(second, alpha, "alpha");
        assertThat(alpha.stderr()).contains("rejoin=true");
      }
    } finally {
      alpha.close();
      beta.close();
    }
  }

  @Test
  void hostileClientsChangeNothingForTheJvmsThatJoined() throws Exception {
    try (ExporterProcess exporter = exporter();
        JavaService alpha = JavaService.start(List.of(), agentFlags("alpha"))) {
      awaitJoined(exporter, 1);
      Random random = new Random(42);
      List<SocketChannel> idle = new ArrayList<>();
      try {
        // Random bytes, a frame past the size limit, a name that breaks the rules.
        byte[] noise = new byte[4096];
        random.nextBytes(noise);
        send(noise);
        send(ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 1).array());
        send(frame(1, "bad name with spaces"));
        // A flood of names from one process (this one): it may join once; past a few, the
      // connections that have not joined yet are closed at once.
        List<SocketChannel> flood = new ArrayList<>();
        int welcomed = 0;
        try {
          for (int i = 0; i < 200; i++) {
            SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            flood.add(c);
            try {
              Channels.newOutputStream(c).write(frame(1, "flood-" + i));
            } catch (IOException closed) {
              // closed at once: past the budget
            }
          }
          for (SocketChannel c : flood) {
            ByteBuffer head = ByteBuffer.allocate(5);
            try {
              while (head.hasRemaining() && c.read(head) >= 0) {
                // the answer's length and type
              }
            } catch (SocketException reset) {
              continue; // closed unread, past the budget of connections not joined yet
            }
            welcomed += head.get(4) == 5 ? 1 : 0; // WELCOME
          }
        } finally {
          for (SocketChannel c : flood) {
            c.close();
          }
        }
        assertThat(welcomed).as("names of one process that joined").isEqualTo(1);
        // 1,000 connections that say nothing.
        for (int i = 0; i < 1000; i++) {
          idle.add(SocketChannel.open(UnixDomainSocketAddress.of(socket)));
        }
        // A scrape that waited on a connection that says nothing would wait out its hello
        // deadline (5 s, AgentSocket's); a scrape takes ~0.1 s, 50 times less.
        long started = System.nanoTime();
        MetricsText m = exporter.scrape();
        assertThat((System.nanoTime() - started) / 1e9).as("scrape seconds").isLessThan(5);
        assertThat(m.value("syscall_exporter_agents_joined")).isEqualTo(1);
        countsItsReads(exporter, alpha, "alpha");
      } finally {
        for (SocketChannel c : idle) {
          c.close();
        }
      }
      MetricsText m = exporter.scrape();
      assertThat(m.value("syscall_exporter_agent_errors_total", "reason", "malformed"))
          .isGreaterThanOrEqualTo(3);
      // Refused at HELLO, or closed at once past the budget of connections not joined yet.
      assertThat(m.value("syscall_exporter_agent_errors_total", "reason", "refused")
          + m.value("syscall_exporter_agent_errors_total", "reason", "busy"))
          .isGreaterThanOrEqualTo(199);
      assertThat(exporter.get("/", "text/html").statusCode()).isEqualTo(200);
    }
  }

  /** One connection that writes {@code bytes}, then waits for the exporter to close it. */
  private static void send(byte[] bytes) throws IOException {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(c);
      out.write(bytes);
      out.flush();
      ByteBuffer answer = ByteBuffer.allocate(1024);
      while (c.read(answer.clear()) >= 0) {
        // drain until the exporter closes
      }
    } catch (SocketException e) {
      // closed with our bytes unread: a reset, which is a close too
    }
  }

  private static byte[] frame(int type, String text) {
    byte[] payload = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put((byte) type)
        .put(payload).array();
  }
}
