package io.syscallexporter.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Names of live processes and threads from /proc. The kernel side names a process by its
 * thread-group leader's comm; /proc/PID/comm of the group leader is that same name.
 */
public class ProcessNames {
  private final Path proc;

  public ProcessNames() {
    this(Path.of("/proc"));
  }

  public ProcessNames(Path proc) {
    this.proc = proc;
  }

  /** The process's name, or empty when it has exited. */
  public Optional<String> process(int pid) {
    return comm(proc.resolve(Integer.toUnsignedString(pid)).resolve("comm"));
  }

  /** A thread's name, or empty when it has exited. */
  public Optional<String> thread(int pid, int tid) {
    return comm(proc.resolve(Integer.toUnsignedString(pid)).resolve("task")
        .resolve(Integer.toUnsignedString(tid)).resolve("comm"));
  }

  private static Optional<String> comm(Path file) {
    try {
      String s = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      return Optional.of(s.endsWith("\n") ? s.substring(0, s.length() - 1) : s);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
