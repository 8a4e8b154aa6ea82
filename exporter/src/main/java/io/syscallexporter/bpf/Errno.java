package io.syscallexporter.bpf;

import java.util.Map;

/** Names for the errno values libbpf and the bpf syscall return. */
final class Errno {
  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int E2BIG = 7;
  static final int EACCES = 13;
  static final int EINVAL = 22;
  static final int ENOTSUPP = 524;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(EPERM, "EPERM (operation not permitted)"),
      Map.entry(ENOENT, "ENOENT (no such entry)"),
      Map.entry(E2BIG, "E2BIG (argument list too long)"),
      Map.entry(12, "ENOMEM (out of memory)"),
      Map.entry(EACCES, "EACCES (permission denied)"),
      Map.entry(16, "EBUSY (device or resource busy)"),
      Map.entry(EINVAL, "EINVAL (invalid argument)"),
      Map.entry(28, "ENOSPC (no space left)"),
      Map.entry(95, "EOPNOTSUPP (operation not supported)"),
      Map.entry(ENOTSUPP, "ENOTSUPP (not supported by this kernel)"));

  private Errno() {}

  static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
