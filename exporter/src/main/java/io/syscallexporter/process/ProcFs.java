package io.syscallexporter.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What /proc says about live processes and threads: names, what an fd refers to, where a thread
 * sleeps. Read only for the few calls past their timeout, never per syscall. Nothing here
 * follows an fd to its file system: a hung NFS or FUSE mount must not hang the scan.
 */
public class ProcFs {
  private final Path proc;

  public ProcFs() {
    this(Path.of("/proc"));
  }

  public ProcFs(Path proc) {
    this.proc = proc;
  }

  /**
   * The process's name, or empty when it has exited. The kernel side names a process by its
   * thread-group leader's comm, which is what /proc/PID/comm shows.
   */
  public Optional<String> process(int pid) {
    return firstLine(task(pid, pid).resolve("comm"));
  }

  /** A thread's name, or empty when it has exited. */
  public Optional<String> thread(int pid, int tid) {
    return firstLine(task(pid, tid).resolve("comm"));
  }

  /** The kernel function the thread sleeps in ("0" or empty when running or hidden). */
  public Optional<String> wchan(int pid, int tid) {
    return firstLine(task(pid, tid).resolve("wchan")).filter(w -> !w.isEmpty() && !w.equals("0"));
  }

  /** What an fd of the thread refers to: a path, {@code socket:[N]}, {@code pipe:[N]}, ... */
  public Optional<String> fdTarget(int pid, int tid, long fd) {
    if (fd < 0 || fd > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    try {
      return Optional.of(Files.readSymbolicLink(task(pid, tid).resolve("fd")
          .resolve(Long.toString(fd))).toString());
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether an fd target is a file whose I/O should return promptly: a path on a file system
   * or a block device. Sockets, pipes, anonymous inodes (eventfd, timerfd, epoll, ...) and
   * character devices (ttys, /dev/null) may wait by design. Only /dev paths are stat'ed
   * (devtmpfs answers at once); a named FIFO elsewhere counts as a file.
   */
  public boolean isFile(String target) {
    if (target.startsWith("socket:") || target.startsWith("pipe:")
        || target.startsWith("anon_inode:") || !target.startsWith("/")) {
      return false;
    }
    if (!target.startsWith("/dev/") || target.startsWith("/dev/shm/")) {
      return true;
    }
    try {
      int mode = (Integer) Files.getAttribute(Path.of(target), "unix:mode",
          LinkOption.NOFOLLOW_LINKS);
      return (mode & 0170000) == 0060000; // S_ISBLK
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private Path task(int pid, int tid) {
    return proc.resolve(Integer.toUnsignedString(pid)).resolve("task")
        .resolve(Integer.toUnsignedString(tid));
  }

  private static Optional<String> firstLine(Path file) {
    try {
      String s = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
      int nl = s.indexOf('\n');
      return Optional.of(nl >= 0 ? s.substring(0, nl) : s);
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
