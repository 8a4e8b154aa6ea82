package io.syscallexporter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks numbers the Java side hard-codes (sizes, offsets, constants of C structs it fills
 * through JNR) against what gcc makes of the C headers that define them.
 */
public final class CLayouts {
  private CLayouts() {}

  /**
   * {@code checks}: rows of {name, C expression, the Java side's value}; fails on the first
   * that disagrees, naming it. {@code dir}: scratch space for the C program.
   */
  public static void assertMatch(Path dir, List<String> includes, String[][] checks)
      throws Exception {
    // _GNU_SOURCE: struct ucred and the like.
    StringBuilder c = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n"
        + "#include <stddef.h>\n");
    includes.forEach(h -> c.append("#include ").append(h).append('\n'));
    c.append("int main(void) {\n");
    for (String[] check : checks) {
      c.append("  printf(\"%s %ld\\n\", \"").append(check[0]).append("\", (long)(")
          .append(check[1]).append("));\n");
    }
    c.append("  return 0;\n}\n");
    Files.writeString(dir.resolve("layout.c"), c);
    Process gcc = new ProcessBuilder("gcc", "-o", dir.resolve("layout").toString(),
        dir.resolve("layout.c").toString()).inheritIO().start();
    assertThat(gcc.waitFor()).as("gcc exit code").isZero();
    Process run = new ProcessBuilder(dir.resolve("layout").toString()).start();
    Map<String, String> actual = new HashMap<>();
    for (String line : new String(run.getInputStream().readAllBytes()).split("\n")) {
      String[] kv = line.split(" ");
      actual.put(kv[0], kv[1]);
    }
    assertThat(run.waitFor()).isZero();
    for (String[] check : checks) {
      assertThat(actual.get(check[0])).as(check[1]).isEqualTo(check[2]);
    }
  }
}
