package io.syscallexporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the exporter makes itself: reading BPF iterators, mapping array maps,
 * trimming the heap.
 */
public interface LibC {
  @SaveError
  @ssize_t
  long read(int fd, Pointer buf, @size_t long count);

  int close(int fd);

  int PROT_READ = 1;
  int PROT_WRITE = 2;
  int MAP_SHARED = 1;

  /** Returns MAP_FAILED, address -1, on error. */
  @SaveError
  Pointer mmap(Pointer addr, @size_t long length, int prot, int flags, int fd,
      @off_t long offset);

  int munmap(Pointer addr, @size_t long length);

  int getpagesize();

  int malloc_trim(@size_t long pad);

  @SaveError
  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /** syscall(2) with three arguments, for calls glibc has no wrapper for (membarrier). */
  @SaveError
  long syscall(long number, long a, long b, long c);
}
