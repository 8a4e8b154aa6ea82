package io.syscallexporter.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * A Java 25 for the services of the virtual thread tests (the build itself runs on 17):
 * {@code -Djava25.home=...}, else Temurin's where these machines have it. Like the kernel, a
 * requirement: in CI ({@code CI=true}) its absence is a failure, never a skip.
 */
final class Java25 {
  static final Path HOME = Path.of(System.getProperty("java25.home",
      "/usr/lib/jvm/temurin-25-jdk-amd64"));

  private Java25() {}

  /** The java binary; fails in CI, skips elsewhere, when there is none. */
  static Path java() {
    return require(HOME.resolve("bin/java"));
  }

  /** {@code java}, a Java a test was told to run a service on: the same rule. */
  static Path require(Path java) {
    if (!Files.isExecutable(java)) {
      String problem = "no java at " + java + " (set -Djava25.home, -Dservice.java)";
      if ("true".equals(System.getenv("CI"))) {
        fail("the Java the tests were told to use is required in CI: " + problem);
      }
      Assumptions.abort("skipped: " + problem);
    }
    return java;
  }
}
