package io.syscallexporter.bpf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * An attached BPF iterator. Each {@link #read} runs the program over its objects (every task,
 * or one process's files) and returns all it wrote: the kernel does the walk, user space gets
 * only the records.
 */
public final class BpfIterator implements AutoCloseable {
  /** The kernel's iterator buffer is 8 pages; a bigger read() just needs fewer calls. */
  private static final int READ_SIZE = 64 * 1024;

  private final LibBpf lib;
  private final LibC libc;
  private final Runtime runtime;
  private final String name;
  private final Consumer<BpfIterator> onClose;
  private final Pointer buffer;
  private final byte[] chunk = new byte[READ_SIZE];
  private Pointer link;

  BpfIterator(LibBpf lib, LibC libc, Runtime runtime, String name, Pointer link,
      Consumer<BpfIterator> onClose) {
    this.lib = lib;
    this.libc = libc;
    this.runtime = runtime;
    this.name = name;
    this.link = link;
    this.onClose = onClose;
    this.buffer = Memory.allocateDirect(runtime, READ_SIZE);
  }

  /** Runs the iterator to its end; records are in native byte order. */
  public synchronized ByteBuffer read() {
    if (link == null) {
      throw new IllegalStateException("BPF iterator " + name + " is closed");
    }
    int fd = lib.bpf_iter_create(lib.bpf_link__fd(link));
    if (fd < 0) {
      throw new BpfException("cannot run BPF iterator " + name + ": " + Errno.describe(-fd), -fd);
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      while (true) {
        long n = libc.read(fd, buffer, READ_SIZE);
        if (n == 0) {
          return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.nativeOrder());
        }
        if (n < 0) {
          int errno = LastError.getLastError(runtime);
          if (errno == Errno.EINTR) {
            continue;
          }
          throw new BpfException("cannot read BPF iterator " + name + ": "
              + Errno.describe(errno), errno);
        }
        buffer.get(0, chunk, 0, (int) n);
        out.write(chunk, 0, (int) n);
      }
    } finally {
      libc.close(fd);
    }
  }

  /** Detaches the iterator. Idempotent. */
  @Override
  public synchronized void close() {
    if (link != null) {
      lib.bpf_link__destroy(link);
      link = null;
      onClose.accept(this);
    }
  }
}
