package io.syscallexporter.bpf;

import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The CO-RE object for this machine, packaged in the jar: one per architecture. */
final class ObjectResource {
  /** Named as SyscallTable names the architecture. */
  static final String PATH = "/bpf/syscall_exporter.%s.bpf.o";

  private ObjectResource() {}

  static byte[] read() {
    String resource = String.format(PATH, SyscallTable.forThisMachine().arch());
    try (InputStream in = ObjectResource.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new BpfException(resource + " is missing from the jar: rebuild with mvn package"
            + " (it needs clang)", 0);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

}
