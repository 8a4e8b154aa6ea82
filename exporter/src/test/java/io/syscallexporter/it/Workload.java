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

/** src/test/c/workload.c, compiled once, run under a unique process name per test. */
final class Workload {
  private static final Path SOURCE = Path.of("src/test/c/workload.c");
  private static final Path BINARY = Path.of("target/test-workload");

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
    compile();
    List<String> cmd = new ArrayList<>(List.of(BINARY.toAbsolutePath().toString(), name));
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

  void awaitExit(long seconds) throws Exception {
    assertThat(process.waitFor(seconds, TimeUnit.SECONDS)).as("workload finished").isTrue();
    assertThat(process.exitValue()).as("workload exit code").isZero();
  }

  private static synchronized void compile() throws IOException {
    if (Files.exists(BINARY)
        && Files.getLastModifiedTime(BINARY).compareTo(Files.getLastModifiedTime(SOURCE)) > 0) {
      return;
    }
    try {
      Process gcc = new ProcessBuilder("gcc", "-O2", "-Wall", "-Werror", "-o", BINARY.toString(),
          SOURCE.toString()).inheritIO().start();
      assertThat(gcc.waitFor()).as("gcc exit code").isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
