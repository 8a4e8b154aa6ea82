package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Start-up errors and shutdown: nothing of ours stays attached, however the exporter ends. */
class LifecycleIT {
  private static final Pattern PROG = Pattern.compile(
      "(?m)^(\\d+): tracing\\s+name (sys_enter|sys_exit|thread_exit|scan_inflight|fd_path_of) ");

  @Test
  void sigkillLeavesNoProgramAttached() throws Exception {
    KernelRequired.check();
    Set<Integer> before = ourPrograms();
    ExporterProcess exporter = ExporterProcess.start();
    Set<Integer> loaded = ourPrograms();
    loaded.removeAll(before);
    // Three on tracepoints and the two iterators.
    assertThat(loaded).as("programs this exporter loaded").hasSize(5);

    assertThat(exporter.signal("KILL")).isEqualTo(128 + 9);

    // The links die with the process's file descriptors; the kernel frees the programs.
    assertThat(stillLoaded(loaded)).as("programs still loaded after SIGKILL").isEmpty();
  }

  @Test
  void sigtermDetachesAndExitsZero() throws Exception {
    KernelRequired.check();
    Set<Integer> before = ourPrograms();
    ExporterProcess exporter = ExporterProcess.start();
    Set<Integer> loaded = ourPrograms();
    loaded.removeAll(before);

    assertThat(exporter.signal("TERM")).isZero();
    assertThat(exporter.log()).contains("detaching BPF programs");
    assertThat(stillLoaded(loaded)).as("programs still loaded after SIGTERM").isEmpty();
  }

  @Test
  void startedAsRootItKeepsOnlyWhatTheScansNeed() throws Exception {
    KernelRequired.check();
    try (ExporterProcess exporter = ExporterProcess.start()) {
      exporter.scrape(); // an HTTP worker exists
      assertThat(exporter.log()).contains("msg=\"dropped capabilities\""
          + " kept=CAP_BPF,CAP_PERFMON,CAP_SYSLOG no_new_privs=true");
      long kept = (1L << 39) | (1L << 38) | (1L << 34);
      int checked = 0;
      try (var tasks = Files.list(Path.of("/proc/" + exporter.pid() + "/task"))) {
        for (Path task : tasks.toList()) {
          String name = Files.readString(task.resolve("comm")).trim();
          if (!List.of("sysexp-http", "HTTP-Dispatcher", "sysexp-scan", "sysexp-drain",
              "sysexp-ringbuf").contains(name)) {
            continue; // the JVM's own threads, started before the drop
          }
          String status = Files.readString(task.resolve("status"));
          assertThat(Long.parseUnsignedLong(status.replaceAll("(?s).*CapEff:\\s+(\\w+).*", "$1"),
              16)).as("%s's effective capabilities", name).isEqualTo(kept);
          assertThat(status).as(name).containsPattern("NoNewPrivs:\\s+1");
          checked++;
        }
      }
      assertThat(checked).as("threads that read the kernel and serve HTTP").isGreaterThanOrEqualTo(4);
    }
  }

  @Test
  void aPortBelow1024IsBoundBeforeCapabilitiesAreDropped() throws Exception {
    KernelRequired.check();
    int port = 0;
    for (int p = 1023; p > 900 && port == 0; p--) {
      try (ServerSocket probe = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        port = p;
      } catch (IOException taken) {
        // try the next one
      }
    }
    HttpClient http = HttpClient.newHttpClient();
    Process p = new ProcessBuilder("java", "@" + ExporterProcess.JVM_OPTIONS, "-jar",
        ExporterProcess.JAR.toString(), "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).start();
    try {
      int status = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (status != 200 && System.nanoTime() < deadline && p.isAlive()) {
        Thread.sleep(200);
        try {
          status = http.send(HttpRequest.newBuilder(URI.create(
              "http://127.0.0.1:" + port + "/-/healthy")).build(),
              HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException notYet) {
          // not listening yet
        }
      }
      assertThat(status).as("serving on port %d", port).isEqualTo(200);
    } finally {
      p.destroy();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void portInUseIsOneClearSentence() throws Exception {
    KernelRequired.check();
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      ExporterProcess.Exit exit = ExporterProcess.runToExit(
          "--web.listen-address=127.0.0.1:" + taken.getLocalPort());
      assertThat(exit.code()).isEqualTo(1);
      assertThat(exit.stderr()).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort(),
          "--web.listen-address");
    }
  }

  @Test
  void missingPrivilegesIsOneClearSentence() throws Exception {
    KernelRequired.check();
    // As user nobody, with no capabilities, from a world-readable copy of the jar.
    Path jar = Files.createTempFile("syscall-exporter", ".jar");
    Files.copy(ExporterProcess.JAR, jar, StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    try {
      Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534",
          "--clear-groups", "java", "-jar", jar.toString(),
          "--web.listen-address=127.0.0.1:" + ExporterProcess.freePort())
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).isEqualTo(1);
      assertThat(out.lines().filter(l -> l.contains("level=error")).toList()).singleElement()
          .asString().contains("missing privileges to load BPF programs: run as root, or grant"
              + " CAP_BPF and CAP_PERFMON");
    } finally {
      Files.delete(jar);
    }
  }

  @Test
  void unknownFlagPrintsUsageAndExitsTwo() throws Exception {
    ExporterProcess.Exit exit = ExporterProcess.runToExit("--no-such-flag");
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.stderr()).contains("unknown flag --no-such-flag", "usage: syscall_exporter");
  }

  @Test
  void badDurationPrintsUsageAndExitsTwo() throws Exception {
    ExporterProcess.Exit exit = ExporterProcess.runToExit("--syscall.timeout=soon");
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.stderr()).contains("bad value for --syscall.timeout", "usage: syscall_exporter");
  }

  @Test
  void helpGoesToStdoutAndExitsZero() throws Exception {
    ExporterProcess.Exit exit = ExporterProcess.runToExit("--help");
    assertThat(exit.code()).isZero();
    assertThat(exit.stdout()).contains("usage: syscall_exporter", "--syscall.timeout=duration");
  }

  /** Which of {@code ids} are still loaded once the kernel has had 10 s to free them. */
  static Set<Integer> stillLoaded(Set<Integer> ids) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Set<Integer> left = ourPrograms();
    left.retainAll(ids);
    while (!left.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(100);
      left = ourPrograms();
      left.retainAll(ids);
    }
    return left;
  }

  /** IDs of loaded programs named like ours, from bpftool. */
  static Set<Integer> ourPrograms() throws Exception {
    Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("bpftool prog show: %s", out).isZero();
    Set<Integer> ids = new TreeSet<>();
    Matcher m = PROG.matcher(out);
    while (m.find()) {
      ids.add(Integer.parseInt(m.group(1)));
    }
    return ids;
  }
}
