package io.syscallexporter.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Best-effort enrichment from /proc for the few calls past their timeout, never per syscall:
 * whether a call counts is decided in the kernel, so nothing here needs to read other users'
 * processes. Nothing here follows an fd to its file system: a hung mount must not hang it.
 */
public class ProcFs {
  private final Path proc;

  public ProcFs() {
    this(Path.of("/proc"));
  }

  public ProcFs(Path proc) {
    this.proc = proc;
  }

  /**
   * The kernel function the thread sleeps in; empty when running, gone, or hidden (another
   * user's thread, to an exporter without CAP_SYS_PTRACE).
   */
  public Optional<String> wchan(int pid, int tid) {
    Path file = proc.resolve(Integer.toUnsignedString(pid)).resolve("task")
        .resolve(Integer.toUnsignedString(tid)).resolve("wchan");
    try {
      String w = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
      return w.isEmpty() || w.equals("0") ? Optional.empty() : Optional.of(w);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
