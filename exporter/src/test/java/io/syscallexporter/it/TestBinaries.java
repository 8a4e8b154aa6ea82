package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The C helpers in src/test/c, compiled with gcc into target/ when their source changes. */
final class TestBinaries {
  private TestBinaries() {}

  /** Compiles src/test/c/NAME.c (with extra flags from pkg-config packages) and returns it. */
  static synchronized Path compile(String name, String... pkgConfig) throws IOException {
    Path source = Path.of("src/test/c", name + ".c");
    Path binary = Path.of("target", "test-" + name).toAbsolutePath();
    if (Files.exists(binary)
        && Files.getLastModifiedTime(binary).compareTo(Files.getLastModifiedTime(source)) > 0) {
      return binary;
    }
    List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-Wall", "-Werror", "-o",
        binary.toString(), source.toString(), "-lpthread"));
    for (String pkg : pkgConfig) {
      cmd.addAll(List.of(run("pkg-config", "--cflags", "--libs", pkg).trim().split("\\s+")));
    }
    run(cmd.toArray(String[]::new));
    return binary;
  }

  static String run(String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    return out;
  }
}
