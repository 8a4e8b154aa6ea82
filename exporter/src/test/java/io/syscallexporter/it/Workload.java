package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** src/test/c/workload.c, run under a unique process name per test. */
final class Workload {
  private final Process process;
  final String name;

  private Workload(Process process, String name) {
    this.process = process;
    this.name = name;
  }

  /** A fresh process name (at most 15 bytes, the kernel's comm limit). */
  static String uniqueName(String prefix) {
    return prefix + "_" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24),
        36);
  }

  /** Starts the workload and waits until it has taken its name. */
  static Workload start(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(TestBinaries.compile("workload").toString(), name));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Workload w = new Workload(p, name);
    assertThat(w.readLine()).as("workload start").isEqualTo("ready");
    return w;
  }

  /** Runs a workload to completion. */
  static Workload run(String name, String... args) throws Exception {
    Workload w = start(name, args);
    w.awaitExit(120);
    return w;
  }

  private BufferedReader reader;

  private String readLine() throws IOException {
    if (reader == null) {
      reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
    }
    return reader.readLine();
  }

  long pid() {
    return process.pid();
  }

  /** The syscall number the main thread is in right now, from /proc/PID/syscall; -1: none. */
  int currentSyscall() throws IOException {
    String s = Files.readString(Path.of("/proc/" + process.pid() + "/syscall")).trim();
    return s.equals("running") ? -1 : Integer.parseInt(s.split(" ")[0]);
  }

  /** Whether the process ended within the time, whatever its exit code. */
  boolean exitsWithin(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  void kill() throws Exception {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * What a "nanosleep" workload measured of each of its calls (ns): the kernel's latency of
   * each lies between what it asked for and this. Once it has exited.
   */
  long[] sleptNanos() throws IOException {
    List<Long> slept = new ArrayList<>();
    for (String line = readLine(); line != null; line = readLine()) {
      if (line.startsWith("slept ")) {
        slept.add(Long.parseLong(line.substring("slept ".length())));
      }
    }
    return slept.stream().mapToLong(Long::longValue).toArray();
  }

  void awaitExit(long seconds) throws Exception {
    assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("workload finished").isTrue();
    assertThat(process.exitValue()).as("workload exit code").isZero();
  }

}
