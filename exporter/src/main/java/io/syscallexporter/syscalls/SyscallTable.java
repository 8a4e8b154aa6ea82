package io.syscallexporter.syscalls;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Syscall numbers to names for one architecture, from the kernel's UAPI headers
 * (scripts/gen-syscall-tables.sh). Numbers it does not know get the stable name
 * {@code unknown_<nr>}.
 */
public final class SyscallTable {
  private final String arch;
  private final Map<Integer, String> names;
  private final Map<String, Integer> numbers = new HashMap<>();

  private SyscallTable(String arch, Map<Integer, String> names) {
    this.arch = arch;
    this.names = names;
    names.forEach((nr, name) -> numbers.put(name, nr));
  }

  /** The table of the architecture this JVM runs on. */
  public static SyscallTable forThisMachine() {
    return forArch(System.getProperty("os.arch"));
  }

  /** The table for an architecture name as the JVM ({@code amd64}) or uname ({@code x86_64}) says it. */
  public static SyscallTable forArch(String osArch) {
    String arch = switch (osArch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> throw new IllegalArgumentException("unsupported architecture " + osArch
          + ": syscall tables exist for x86_64 and aarch64");
    };
    return new SyscallTable(arch, load("/syscalls/" + arch + ".tsv"));
  }

  private static Map<Integer, String> load(String resource) {
    Map<Integer, String> names = new HashMap<>();
    try (InputStream in = SyscallTable.class.getResourceAsStream(resource);
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        String[] cols = line.split("\t");
        names.put(Integer.parseInt(cols[0]), cols[1]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names;
  }

  public String arch() {
    return arch;
  }

  /** The syscall's name; {@code unknown_<nr>} (unsigned) for numbers not in the table. */
  public String name(int nr) {
    String name = names.get(nr);
    return name != null ? name : "unknown_" + Integer.toUnsignedString(nr);
  }

  public Optional<Integer> number(String name) {
    return Optional.ofNullable(numbers.get(name));
  }
}
