package io.syscallexporter.process;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Names cgroup v2 ids as paths relative to the cgroup2 mount ({@code /system.slice/nginx.service}):
 * the id the kernel gives a cgroup is its directory's inode number. The map is rebuilt by
 * walking the cgroup2 tree when an unknown id turns up (at most once a second), so it holds the
 * cgroups that exist, not every one ever seen: a node that creates and removes cgroups all day
 * keeps it bounded. An id no walk finds (a cgroup already removed) is {@code unknown_<id>}.
 */
public class CgroupPaths {
  static final long RESCAN_NANOS = 1_000_000_000L;

  private final Path root;
  private final LongSupplier monotonicNanos;
  private Map<Long, String> paths = Map.of();
  private long lastScan = Long.MIN_VALUE / 2;

  public CgroupPaths(Path root, LongSupplier monotonicNanos) {
    this.root = root;
    this.monotonicNanos = monotonicNanos;
  }

  /** The cgroup2 mount of this machine, from /proc/self/mountinfo (unified or hybrid). */
  public static CgroupPaths ofThisMachine() {
    return new CgroupPaths(cgroup2Mount(Path.of("/proc/self/mountinfo")), System::nanoTime);
  }

  static Path cgroup2Mount(Path mountinfo) {
    try {
      for (String line : Files.readAllLines(mountinfo)) {
        // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
        String[] halves = line.split(" - ", 2);
        if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
          return Path.of(halves[0].split(" ")[4]);
        }
      }
    } catch (IOException e) {
      // no /proc: nothing to name
    }
    return null;
  }

  /** The path of a cgroup id, "/" for the root, or {@code unknown_<id>}. */
  public synchronized String path(long id) {
    String p = paths.get(id);
    if (p == null && root != null && monotonicNanos.getAsLong() - lastScan >= RESCAN_NANOS) {
      paths = scan();
      lastScan = monotonicNanos.getAsLong();
      p = paths.get(id);
    }
    return p != null ? p : "unknown_" + Long.toUnsignedString(id);
  }

  /** Cgroups known since the last walk. */
  public synchronized int known() {
    return paths.size();
  }

  private Map<Long, String> scan() {
    Map<Long, String> found = new HashMap<>();
    try {
      Files.walkFileTree(root, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
            throws IOException {
          Object ino = Files.getAttribute(dir, "unix:ino");
          String relative = root.relativize(dir).toString();
          found.put(((Number) ino).longValue(), "/" + relative);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // removed while walking, or not ours to read
        }
      });
    } catch (IOException e) {
      // keep what was found
    }
    return found;
  }
}
