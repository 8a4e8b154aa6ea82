package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The timed-out alert across the exporter's own restarts, with the real Prometheus and
 * Alertmanager (Debian's) and a webhook receiver that records every notification: a read hung
 * on a FUSE file; SyscallsTimedOut fires; the exporter is stopped with SIGTERM and started
 * again, killed with kill -9 and started again, started from another copy of the jar (an
 * upgrade), and moved to another address, as a DaemonSet's new pod is, whose instance label
 * (the node's name, as deploy/kubernetes sets it) stays, by a Prometheus configuration reload.
 * Alertmanager receives exactly one firing notification and no resolved one; when the read
 * returns, exactly one resolved, within the rule's keep_firing_for.
 *
 * <p>The bundled rules and configurations, with only times scaled down so the test takes a
 * minute, not ten: scrapes and evaluations every 2 s (not 15 s), the rule's {@code for: 30s}
 * 4 s and its {@code keep_firing_for: 3m} {@value #KEEP_FIRING_SECONDS} s, Alertmanager's
 * group wait and interval 2 s. Each gap here (stop, start, first scrape) is shorter than that
 * keep_firing_for, as a restart's is than 3m; promtool's tests check the real values.
 */
class AlertContinuityIT {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final int KEEP_FIRING_SECONDS = 40;
  static final String INSTANCE = "node-1";

  @Test
  void restartsAndARolloutNeitherResolveNorPageAgainAndTheReturnResolvesOnce()
      throws Exception {
    KernelRequired.check();
    Path work = Files.createTempDirectory("alerts");
    List<String> notifications = new CopyOnWriteArrayList<>();
    HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/", exchange -> {
      notifications.add(new String(exchange.getRequestBody().readAllBytes(),
          StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
    List<Process> stack = new ArrayList<>();
    String[] flags = {"--syscall.timeout=1s", "--scan.interval=200ms"};
    int promPort = ExporterProcess.freePort();
    int amPort = ExporterProcess.freePortOtherThan(promPort);
    HangFs fs = HangFs.mount(3600);
    ExporterProcess exporter = ExporterProcess.start(flags);
    Workload reader = null;
    try {
      Path rules = work.resolve("rules.yml");
      Files.writeString(rules, scaled(Files.readString(REPO.resolve(
          "alerts/syscall_exporter.rules.yml"))));
      Files.writeString(work.resolve("alertmanager.yml"), Files.readString(REPO.resolve(
          "alerts/alertmanager.yml")).replace("http://127.0.0.1:5001",
          "http://127.0.0.1:" + receiver.getAddress().getPort())
          .replace("group_wait: 10s", "group_wait: 2s")
          .replace("group_interval: 1m", "group_interval: 2s"));
      writePrometheusConfig(work, rules, exporter.port, amPort);
      stack.add(start(work.resolve("alertmanager.log"), "prometheus-alertmanager",
          "--config.file=" + work.resolve("alertmanager.yml"),
          "--storage.path=" + work.resolve("am"), "--cluster.listen-address=",
          "--web.listen-address=127.0.0.1:" + amPort));
      Process prometheus = start(work.resolve("prometheus.log"), "prometheus",
          "--config.file=" + work.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + work.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:" + promPort);
      stack.add(prometheus);

      reader = Workload.start(Workload.uniqueName("hung"), "read", fs.slowFile().toString());
      String process = reader.name;
      String prom = "http://127.0.0.1:" + promPort;
      awaitTrue("the firing notification", 120, () -> count(notifications, process,
          "firing") == 1);

      // SIGTERM, and the same jar again.
      exporter = restarted(exporter, "TERM", ExporterProcess.JAR, prom, process, flags);
      // kill -9, and the same jar again.
      exporter = restarted(exporter, "KILL", ExporterProcess.JAR, prom, process, flags);
      // SIGTERM, and a newer jar (another copy, at another path).
      Path newer = Files.copy(ExporterProcess.JAR, work.resolve("syscall-exporter-newer.jar"));
      exporter = restarted(exporter, "TERM", newer, prom, process, flags);
      // A rollout: the new pod at another address, the same instance, by a config reload.
      ExporterProcess rolledOut = ExporterProcess.start(flags);
      exporter.signal("TERM");
      exporter.close();
      exporter = rolledOut;
      writePrometheusConfig(work, rules, rolledOut.port, amPort);
      new ProcessBuilder("kill", "-HUP", Long.toString(prometheus.pid())).start().waitFor();
      awaitTrue("the configuration reloaded", 30, () -> Files.readString(
          work.resolve("prometheus.log")).split("Completed loading of configuration file",
          -1).length > 2);
      awaitListed(exporter, process);
      awaitScrapedAndEvaluated(prom, process);
      // Two group intervals more: anything Alertmanager would send about it, it has sent.
      Thread.sleep(5_000);
      assertThat(count(notifications, process, "firing")).as("firing notifications, %s",
          notifications).isEqualTo(1);
      assertThat(count(notifications, process, "resolved")).as("resolved notifications")
          .isZero();

      // The hang ends: the FUSE server dies and the read fails.
      fs.kill();
      assertThat(reader.exitsWithin(30)).as("the read returned").isTrue();
      long returned = System.nanoTime();
      awaitTrue("the resolved notification", KEEP_FIRING_SECONDS + 60,
          () -> count(notifications, process, "resolved") == 1);
      double seconds = (System.nanoTime() - returned) / 1e9;
      // Not before keep_firing_for: it is what rode the restarts out. Prometheus saw this
      // process list the call (above), so the last evaluation that found it is at most a
      // scrape interval (2 s) before the return, and the resolve at least 38 s after it.
      assertThat(seconds).as("seconds from the return to the resolved notification")
          .isGreaterThanOrEqualTo(KEEP_FIRING_SECONDS - 5);
      Thread.sleep(5_000);
      assertThat(count(notifications, process, "firing")).isEqualTo(1);
      assertThat(count(notifications, process, "resolved")).isEqualTo(1);
    } finally {
      if (reader != null) {
        reader.kill();
      }
      exporter.close();
      for (Process p : stack) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      receiver.stop(0);
      fs.close();
    }
  }

  /** The bundled rules with SyscallsTimedOut's times scaled down, and nothing else changed. */
  static String scaled(String rules) {
    String out = rules.replace("        for: 30s\n        keep_firing_for: 3m\n",
        "        for: 4s\n        keep_firing_for: " + KEEP_FIRING_SECONDS + "s\n");
    assertThat(out).as("SyscallsTimedOut's for and keep_firing_for").isNotEqualTo(rules);
    return out;
  }

  /**
   * The bundled prometheus.yml, scraping the exporter at {@code port} every 2 s, with the
   * instance label the node's name, as the bundled Kubernetes configurations set it.
   */
  static void writePrometheusConfig(Path work, Path rules, int port, int amPort)
      throws Exception {
    String config = Files.readString(REPO.resolve("prometheus.yml"))
        .replace("scrape_interval: 15s", "scrape_interval: 2s")
        .replace("evaluation_interval: 15s", "evaluation_interval: 2s")
        .replace("127.0.0.1:9548\"]", "127.0.0.1:" + port + "\"]\n    relabel_configs:\n"
            + "      - target_label: instance\n        replacement: " + INSTANCE)
        .replace("127.0.0.1:9093", "127.0.0.1:" + amPort)
        .replace("- alerts/syscall_exporter.rules.yml", "- " + rules);
    Files.writeString(work.resolve("prometheus.yml"), config);
  }

  /**
   * Stops {@code old} with {@code signal}, starts {@code jar} on its port, and waits until the
   * Prometheus at {@code prom} has seen the new process list the stuck call.
   */
  private static ExporterProcess restarted(ExporterProcess old, String signal, Path jar,
      String prom, String process, String... flags) throws Exception {
    old.signal(signal);
    old.close();
    ExporterProcess next = ExporterProcess.startOn(old.port, jar, flags);
    awaitListed(next, process);
    awaitScrapedAndEvaluated(prom, process);
    return next;
  }

  /**
   * Prometheus has a sample of the stuck read scraped after the exporter now running listed it,
   * so from that process, and has evaluated the rule since: keep_firing_for starts over there.
   * Each gap the test makes is then one gap, as a restart's is in a week of 30 s scrapes, not
   * the sum of all of them (after a reload Prometheus takes some seconds to scrape a new target;
   * a rollout's gap ran on into the return of the read, which resolved it early).
   */
  private static void awaitScrapedAndEvaluated(String prom, String process) throws Exception {
    long listed = System.currentTimeMillis();
    String selector = "syscall_timed_out{process=\"" + process + "\",syscall=\"read\"}";
    awaitTrue("Prometheus scraped the stuck read from the new process and evaluated the rule",
        60, () -> {
          long scraped = Prometheus.sampleTimeMillis(prom, selector);
          return scraped > listed
              && Prometheus.lastEvaluationMillis(prom, "SyscallsTimedOut") > scraped;
        });
    System.out.printf("Prometheus scraped and evaluated the new process %d ms after it listed"
        + " the call%n", System.currentTimeMillis() - listed);
  }

  /** The new process lists the call stuck since before it started. */
  private static void awaitListed(ExporterProcess exporter, String process) throws Exception {
    awaitTrue("the stuck read listed by the new process", 30, () -> Double.valueOf(1).equals(
        exporter.scrape().find("syscall_timed_out", "process", process, "syscall", "read")));
  }

  /** Notifications whose alerts include SyscallsTimedOut of {@code process} in {@code status}. */
  static long count(List<String> notifications, String process, String status) {
    return notifications.stream().filter(n -> {
      for (Object a : Json.list(Json.map(Json.parse(n)).get("alerts"))) {
        Map<String, Object> alert = Json.map(a);
        Map<String, Object> labels = Json.map(alert.get("labels"));
        if ("SyscallsTimedOut".equals(labels.get("alertname"))
            && process.equals(labels.get("process")) && status.equals(alert.get("status"))) {
          return true;
        }
      }
      return false;
    }).count();
  }

  private static Process start(Path log, String... cmd) throws Exception {
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }
}
