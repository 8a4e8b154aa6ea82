package io.syscallexporter.bpf;

import java.util.Map;

/** Names for the errno values libbpf and the bpf syscall return. */
final class Errno {
  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(1, "EPERM (operation not permitted)"),
      Map.entry(2, "ENOENT (no such entry)"),
      Map.entry(7, "E2BIG (argument list too long)"),
      Map.entry(12, "ENOMEM (out of memory)"),
      Map.entry(13, "EACCES (permission denied)"),
      Map.entry(16, "EBUSY (device or resource busy)"),
      Map.entry(22, "EINVAL (invalid argument)"),
      Map.entry(28, "ENOSPC (no space left)"),
      Map.entry(95, "EOPNOTSUPP (operation not supported)"),
      Map.entry(524, "ENOTSUPP (not supported by this kernel)"));

  private Errno() {}

  static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }
}
