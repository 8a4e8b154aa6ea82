package io.syscallexporter.collect;

/** What the fd of a stuck fd-based call refers to, as the kernel saw its inode. */
public enum FdKind {
  /** Not an fd-based call, or the fd is not open. */
  NONE,
  /** A regular file or a directory. */
  FILE,
  BLOCK_DEVICE,
  /** A socket, pipe, character device, eventfd, ...: may wait by design. */
  OTHER;

  /** From the kernel's enum fd_kind; unknown values are OTHER. */
  public static FdKind of(int kernelValue) {
    FdKind[] all = values();
    return kernelValue >= 0 && kernelValue < all.length ? all[kernelValue] : OTHER;
  }
}
