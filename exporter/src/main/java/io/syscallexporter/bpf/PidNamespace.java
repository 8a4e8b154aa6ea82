package io.syscallexporter.bpf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where this process stands among pid namespaces: the programs see every process by its pid in
 * the initial namespace; a process in a container knows itself by another.
 */
public final class PidNamespace {
  /** The initial pid namespace, as /proc/self/ns/pid names it (PROC_PID_INIT_INO). */
  private static final String INITIAL = "pid:[4026531836]";

  private PidNamespace() {}

  /**
   * This process's id as the programs see it: the initial pid namespace's. In a pid namespace of
   * its own (a container), {@link ProcessHandle#pid} is another number, so the kernel is asked,
   * through a one-off iterator that reports who reads it.
   */
  public static int kernelTgid() {
    if (isInitial()) {
      return (int) ProcessHandle.current().pid();
    }
    try (BpfObject probe = BpfObject.open("syscall_exporter", ObjectResource.read())) {
      probe.loadOnly("whoami");
      SyscallTracer.HIST_MAPS.forEach(map -> probe.setMaxEntries(map, 1));
      probe.load();
      try (BpfIterator whoami = probe.attachIterator("whoami", 0)) {
        ByteBuffer answer = whoami.read();
        if (answer.remaining() < 4) {
          throw new BpfException("cannot learn this process's id in the initial pid namespace",
              0);
        }
        return answer.getInt(0);
      }
    }
  }

  /** Whether this process is in the initial pid namespace, where its pids are the kernel's. */
  public static boolean isInitial() {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString()
          .equals(INITIAL);
    } catch (IOException e) {
      return false;
    }
  }
}
