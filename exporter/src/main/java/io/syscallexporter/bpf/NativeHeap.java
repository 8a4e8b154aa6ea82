package io.syscallexporter.bpf;

/** glibc's heap, under the JVM's, libbpf's and JNR's allocations. */
public final class NativeHeap {
  private NativeHeap() {}

  /**
   * Hands the free pages of every malloc arena back to the kernel. glibc keeps what is freed
   * inside an arena resident, and the JIT compiler's work areas (freed after each compilation)
   * and libbpf's parse of the kernel's BTF leave from 5 to 25 MiB of it, by their timing: idle
   * RSS varied from 92 to 116 MiB from run to run, and is 80 MiB with a trim every few seconds
   * (docs/performance.md). A few milliseconds of the calling thread.
   */
  public static void trim() {
    BpfObject.LIBC.malloc_trim(0);
  }
}
