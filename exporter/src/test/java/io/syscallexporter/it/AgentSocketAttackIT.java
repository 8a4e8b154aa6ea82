package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The agent socket against a hostile local user: src/test/c/agentclient.c run as user nobody
 * (and root where said), against the real exporter with the shipped JVM options, while a real
 * JVM that joined keeps counting exactly. After each attack the exporter still runs, answers a
 * scrape within a second, counts the joined JVM's 4 x 1,000 reads exactly, and its heap after a
 * full GC is measured (and printed at the end).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentSocketAttackIT {
  static final List<String> NOBODY = List.of("setpriv", "--reuid=nobody", "--regid=nogroup",
      "--clear-groups", "--inh-caps=-all");
  /** Of the shipped -Xmx96m: what the exporter may hold after any one attack. */
  static final long HEAP_LIMIT = 64L << 20;

  static SharedDir shared;
  static Path socket;
  static Path file;
  static ExporterProcess exporter;
  static JavaService alpha;
  static Path client;
  static final Map<String, Long> heapAfter = new LinkedHashMap<>();

  @BeforeAll
  static void exporterAndAJoinedJvm() throws Exception {
    KernelRequired.check();
    shared = SharedDir.create("syscall-exporter-attack");
    socket = shared.socket();
    file = shared.data();
    client = TestBinaries.compile("agentclient");
    exporter = ExporterProcess.start("--agent.socket=" + socket, "--syscall.timeout=1s",
        "--scan.interval=200ms");
    alpha = JavaService.start(List.of(), "--agent.socket=" + socket + ",--agent.name=alpha");
    awaitJoined(1);
    heapAfter.put("start", heap());
  }

  @AfterAll
  static void stop() throws Exception {
    heapAfter.forEach((attack, bytes) -> System.out.printf("heap after %s: %.1f MiB%n", attack,
        bytes / 1048576.0));
    if (alpha != null) {
      alpha.close();
    }
    if (exporter != null) {
      exporter.close();
    }
    if (shared != null) {
      shared.delete();
    }
  }

  /** What holds after any attack: up, fast, exact, within its heap. */
  @AfterEach
  void theExporterAndTheJoinedJvmAreUnharmed(org.junit.jupiter.api.TestInfo test)
      throws Exception {
    assertThat(exporter.isAlive()).as("the exporter runs").isTrue();
    // A scrape held up by a hostile client would wait out one of its deadlines (5 s, the
    // shortest); a scrape takes ~0.1 s, 50 times less: whatever the machine's load, it passes
    // only if nothing held it.
    long began = System.nanoTime();
    MetricsText m = exporter.scrape();
    assertThat((System.nanoTime() - began) / 1e9).as("scrape seconds").isLessThan(5);
    awaitJoined(1);
    double before = reads(m);
    alpha.command("io 4 1000 " + file, "io done");
    awaitTrue("alpha's reads counted", 10, () -> reads(exporter.scrape()) - before == 4000);
    assertThat(reads(exporter.scrape()) - before).as("alpha's reads").isEqualTo(4000);
    long heap = heap();
    heapAfter.put(test.getTestMethod().orElseThrow().getName(), heap);
    assertThat(heap).as("heap after a full GC").isLessThan(HEAP_LIMIT);
  }

  private static double reads(MetricsText m) {
    Double v = m.find("syscall_duration_seconds_count", "process", "alpha", "syscall", "read",
        "thread", "io-worker-*");
    return v == null ? 0 : v;
  }

  static void awaitJoined(int jvms) throws Exception {
    awaitTrue(jvms + " JVMs joined", 30,
        () -> exporter.scrape().value("syscall_exporter_agents_joined") == jvms);
  }

  /** The exporter's heap in use after a full GC, from its own JVM (jcmd). */
  static long heap() throws Exception {
    String pid = Long.toString(exporter.pid());
    run(List.of("jcmd", pid, "GC.run"), 60);
    String info = run(List.of("jcmd", pid, "GC.heap_info"), 60);
    // The serial collector's two generations (jvm.options), not the metaspace.
    Matcher gens = Pattern.compile("(?m)^ *(def new generation|tenured generation)"
        + " +total \\d+K, used (\\d+)K").matcher(info);
    long kib = 0;
    int found = 0;
    while (gens.find()) {
      kib += Long.parseLong(gens.group(2));
      found++;
    }
    assertThat(found).as("heap info:%n%s", info).isEqualTo(2);
    return kib * 1024;
  }

  static String run(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(seconds, TimeUnit.SECONDS)).as("%s", cmd).isTrue();
    return out;
  }

  /** agentclient as user nobody, to its end; its stdout. */
  static String attack(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(NOBODY);
    cmd.add(client.toString());
    cmd.add(socket.toString());
    cmd.addAll(List.of(args));
    return run(cmd, 120);
  }

  @Test
  void aJvmThatLeavesItsSocketToAChildLeavesWhenItExits() throws Exception {
    String out = attack("fork-keep", "forker", "20");
    assertThat(out).contains("joined ");
    // The child holds the connection; the process that joined is gone, and so is its join.
    awaitJoined(1);
    String joinedPid = out.replaceAll("(?s).*joined (\\d+).*", "$1");
    assertThat(exporter.log()).contains("msg=\"JVM left\" pid=" + joinedPid);
    String child = out.replaceAll("(?s).*child (\\d+).*", "$1");
    run(List.of("kill", child), 10);
  }

  @Test
  void aJvmThatExecsAnotherProgramLeaves() throws Exception {
    Process p = new ProcessBuilder(concat(NOBODY, List.of(client.toString(), socket.toString(),
        "exec", "execer"))).redirectErrorStream(true).start();
    try {
      awaitTrue("the exec'd process dropped", 10,
          () -> exporter.log().contains("msg=\"a joined JVM exec'd another program: it leaves\""));
      awaitJoined(1);
      assertThat(p.isAlive()).as("the program it exec'd, which holds the socket").isTrue();
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNameAnotherUserHoldsIsRefused() throws Exception {
    assertThat(attack("join", "alpha", "1")).contains("refused", "held by another user");
    assertThat(attack("join", "nobodys-app", "1")).contains("joined");
  }

  @Test
  void aJvmOfTheSameNameIsSentOnlyItsOwnSeries() throws Exception {
    // As root, alpha's user: the name is the user's to share, alpha's counts are not.
    Process spy = new ProcessBuilder(client.toString(), socket.toString(), "spy", "alpha", "25")
        .redirectErrorStream(true).start();
    try {
      awaitJoined(2);
      alpha.command("io 4 1000 " + file, "io done"); // drained within the spy's 25 s
      assertThat(spy.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(spy.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(out).contains("joined ", "metrics frame");
      // Its own calls (reads of its socket, by its one thread; the comm is cut to 15 bytes), and
      // none of alpha's pools.
      assertThat(out).containsPattern("(?m)^metrics read\t[^\t]*agentclien")
          .doesNotContain("io-worker");
    } finally {
      spy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aClientThatSaysItsSeriesAreElsewhereHidesOnlyItsOwn() throws Exception {
    // Told while alpha reads (the check after each test counts them again, exactly).
    Process p = new ProcessBuilder(concat(NOBODY, List.of(client.toString(), socket.toString(),
        "elsewhere", "nobodys-app", "10"))).redirectErrorStream(true).start();
    try {
      awaitTrue("told", 10, () -> exporter.log().contains("left out here\" pid="));
      double before = reads(exporter.scrape());
      alpha.command("io 4 1000 " + file, "io done");
      awaitTrue("alpha's reads still here", 10,
          () -> reads(exporter.scrape()) - before == 4000);
    } finally {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void slowAndSilentClientsHoldNoSlotForLong() throws Exception {
    MetricsText before = exporter.scrape();
    // 300 connections, a byte of HELLO every 4 s each: once, that held 300 slots for days.
    Process drip = new ProcessBuilder(concat(NOBODY, List.of(client.toString(),
        socket.toString(), "drip", "300", "10"))).redirectErrorStream(true).start();
    try {
      Thread.sleep(1000);
      // Another user's JVM joins meanwhile.
      String other = run(List.of(client.toString(), socket.toString(), "join", "beta", "1"), 30);
      assertThat(other).contains("joined");
      assertThat(drip.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String out = new String(drip.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      // Closed at once past the unjoined budget, the rest at the HELLO deadline.
      assertThat(out.strip().lines().reduce((a, b) -> b).orElse("")).isEqualTo("open 0");
    } finally {
      drip.destroyForcibly();
    }
    MetricsText m = exporter.scrape();
    assertThat(errors(m, "busy") - errors(before, "busy")).isGreaterThanOrEqualTo(290);
    assertThat(errors(m, "timeout") - errors(before, "timeout")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void floodsOfNamesStayWithinTheirBudget() throws Exception {
    MetricsText before = exporter.scrape();
    Process flood = new ProcessBuilder(concat(NOBODY, List.of(client.toString(),
        socket.toString(), "flood-names", "20", "10"))).redirectErrorStream(true).start();
    try {
      long slowest = 0;
      long started = System.nanoTime();
      boolean measured = false;
      while (flood.isAlive()) {
        long began = System.nanoTime();
        exporter.scrape();
        slowest = Math.max(slowest, System.nanoTime() - began);
        if (!measured && began - started > TimeUnit.SECONDS.toNanos(5)) {
          measured = true; // while 20 processes hold all the names they may
          heapAfter.put("flood-names, during", heap());
          assertThat(heapAfter.get("flood-names, during")).isLessThan(HEAP_LIMIT);
        }
        Thread.sleep(250);
      }
      // As after each attack: held up, a scrape would wait out a 5 s deadline.
      assertThat(slowest / 1e9).as("slowest scrape under the flood, seconds").isLessThan(5);
    } finally {
      flood.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    MetricsText m = exporter.scrape();
    assertThat(errors(m, "over_budget") - errors(before, "over_budget")
        + errors(m, "rate_limited") - errors(before, "rate_limited")).isPositive();
  }

  @Test
  void aJvmThatRejoinsCountsEachPoolUnderItsOwnName() throws Exception {
    try (JavaService gamma = JavaService.start(List.of(),
        "--agent.socket=" + socket + ",--agent.name=gamma")) {
      awaitJoined(2);
      // A thread named by its pool's id before it reads, as a server's threads are.
      gamma.command("later first-pool-1 1000 " + file, "later done");
      awaitTrue("the first pool's reads", 10,
          () -> Double.valueOf(1000).equals(gammaReads("first-pool-*")));
      // Stopped past the 30 s the exporter waits on a silent JVM (SIGSTOP, docker pause, a
      // long GC): dropped; continued, it joins again and its pools get their ids anew, the
      // first one's id, likely, going to the next pool.
      String pid = Long.toString(gamma.jvmPid());
      run(List.of("kill", "-STOP", pid), 10);
      try {
        awaitTrue("gamma dropped", 60, () -> exporter.scrape()
            .value("syscall_exporter_agents_joined") == 1);
      } finally {
        run(List.of("kill", "-CONT", pid), 10);
      }
      awaitJoined(2);
      gamma.command("later second-pool-1 1000 " + file, "later done");
      awaitTrue("the second pool's reads", 10,
          () -> Double.valueOf(1000).equals(gammaReads("second-pool-*")));
      assertThat(gammaReads("first-pool-*")).as("the first pool's, unchanged").isEqualTo(1000);
    }
  }

  private static Double gammaReads(String pool) throws Exception {
    return exporter.scrape().find("syscall_duration_seconds_count", "process", "gamma",
        "syscall", "read", "thread", pool);
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void processesRenamedWithoutEndAreBoundedInKeys() throws Exception {
    // 12,000 processes, each under a name of its own: ~36,000 series keys, past the 20,000
    // remembered; the rest are summed into _other unremembered. Last: it fills the label
    // budget on purpose, so new series of anyone go to _other until these go idle (the joined
    // JVM's series, held, count on).
    Workload.run(Workload.uniqueName("nm"), "names", "12000");
    MetricsText m = exporter.scrape();
    assertThat(m.value("syscall_exporter_label_keys_unheld_total")).isPositive();
    assertThat(m.value("syscall_exporter_map_update_failures_total", "map", "hist")).isZero();
  }

  @Test
  void framesPastTheirPaceAreDroppedUnread() throws Exception {
    MetricsText before = exporter.scrape();
    String out = attack("flood-frames", "flooder", "5");
    long sent = Long.parseLong(out.replaceAll("(?s).*sent (\\d+).*", "$1"));
    assertThat(sent).isGreaterThan(1000);
    MetricsText m = exporter.scrape();
    assertThat(errors(m, "rate_limited") - errors(before, "rate_limited"))
        .isGreaterThanOrEqualTo(sent - 5 * 4 - 8 - 1000); // paced; what was queued may be lost
  }

  @Test
  void namesThatHideWhatTheyAreAreRefused() throws Exception {
    MetricsText before = exporter.scrape();
    for (String name : List.of("io-\u202eworker", "io-\u200bworker", "io-\u007fworker",
        "io-\u0085worker")) {
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
        c.write(frame(1, "chars"));
        ByteBuffer answer = ByteBuffer.allocate(5);
        while (answer.hasRemaining() && c.read(answer) >= 0) {
          // WELCOME
        }
        c.write(frame(8, "1\t" + name + "\n"));
        ByteBuffer sink = ByteBuffer.allocate(4096);
        try {
          while (c.read(sink.clear()) >= 0) {
            // until the exporter closes it
          }
        } catch (IOException reset) {
          // closed with our bytes unread
        }
      }
    }
    assertThat(errors(exporter.scrape(), "malformed") - errors(before, "malformed"))
        .isEqualTo(4);
  }

  @Test
  void anExporterOutsideTheHostsPidNamespaceOpensNoSocket() throws Exception {
    // Its peers' pids would be its namespace's, not the kernel's: it could mark another process.
    Path inner = shared.dir().resolve("inner.sock");
    ExporterProcess contained = ExporterProcess.startUnder(List.of("unshare", "--pid",
        "--fork", "--mount-proc", "--kill-child"), "--agent.socket=" + inner);
    try {
      assertThat(contained.log()).contains("msg=\"no agent socket: JVMs cannot join this"
          + " exporter\"", "host's pid namespace");
      assertThat(Files.exists(inner)).isFalse();
    } finally {
      // unshare ignores SIGTERM while it waits: the exporter, its child, takes it.
      run(List.of("pkill", "-TERM", "-P", Long.toString(contained.pid())), 10);
      contained.close();
    }
  }

  private static double errors(MetricsText m, String reason) {
    Double v = m.find("syscall_exporter_agent_errors_total", "reason", reason);
    return v == null ? 0 : v;
  }

  private static ByteBuffer frame(int type, String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put((byte) type)
        .put(payload).flip();
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
