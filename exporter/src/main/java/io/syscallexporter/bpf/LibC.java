package io.syscallexporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc calls the exporter makes itself: reading BPF iterators, trimming the heap. */
public interface LibC {
  @SaveError
  @ssize_t
  long read(int fd, Pointer buf, @size_t long count);

  int close(int fd);

  int malloc_trim(@size_t long pad);

  @SaveError
  int prctl(int option, long arg2, long arg3, long arg4, long arg5);

  /** syscall(2) with three arguments, for calls glibc has no wrapper for (membarrier). */
  @SaveError
  long syscall(long number, long a, long b, long c);
}
