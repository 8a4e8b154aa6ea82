package io.syscallexporter.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Integration tests need root and a kernel with BTF. Outside CI they skip without them; in CI
 * ({@code CI=true}) they fail, so a broken kernel path never passes as a skip.
 */
final class KernelRequired {
  private KernelRequired() {}

  static void check() {
    require(problem());
  }

  /** A program a test runs (scripts/install-deps.sh --test installs it): same rule. */
  static void tool(String name) {
    boolean found = java.util.Arrays.stream(System.getenv("PATH").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
    require(found ? null : name + " is not installed (scripts/install-deps.sh --test)");
  }

  private static void require(String problem) {
    if (problem == null) {
      return;
    }
    if ("true".equals(System.getenv("CI"))) {
      fail("the kernel path is unavailable in CI: " + problem);
    }
    Assumptions.abort("skipped: " + problem + " (set CI=true to make this a failure)");
  }

  private static String problem() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      if (!status.matches("(?s).*\\nUid:\\s+\\d+\\s+0\\s.*")) {
        return "not running as root";
      }
    } catch (IOException e) {
      return "cannot read /proc/self/status";
    }
    if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
      return "no /sys/kernel/btf/vmlinux";
    }
    return null;
  }
}
