package io.syscallexporter.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The default policy's view of a syscall: what a long time in it means.
 *
 * <ul>
 *   <li>{@link #WAIT}: waits by design (for events, locks, children, signals, time, the
 *       network); a long time in it is normal, never a timeout or slow.
 *   <li>{@link #FD}: works on the fd in its first argument; it should return promptly on a
 *       regular file or block device, and may wait by design on a socket, pipe, tty, eventfd,
 *       and the like.
 *   <li>{@link #PROMPT}: everything else (open, stat, sync, mount, ...) should return promptly.
 * </ul>
 */
public enum SyscallClass {
  WAIT, FD, PROMPT;

  private static final Map<String, SyscallClass> DEFAULTS = new HashMap<>();

  static {
    for (String name : List.of(
        // events and readiness
        "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6",
        "io_getevents", "io_pgetevents", "io_uring_enter",
        // locks and synchronisation
        "futex", "futex_wait", "futex_waitv", "futex_requeue", "flock", "fcntl", "semop",
        "semtimedop",
        // time and signals
        "nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend", "rt_sigtimedwait",
        // resumes one of the waits above after a stop (when the programs know which, it
        // follows that one's policy)
        "restart_syscall",
        // children
        "wait4", "waitid", "vfork",
        // network and message queues
        "accept", "accept4", "connect", "recvfrom", "recvmsg", "recvmmsg", "sendto", "sendmsg",
        "sendmmsg", "msgrcv", "msgsnd", "mq_timedreceive", "mq_timedsend",
        // never return: the thread is gone
        "exit", "exit_group")) {
      DEFAULTS.put(name, WAIT);
    }
    for (String name : List.of(
        "read", "write", "pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
        "pwritev2", "fsync", "fdatasync", "sync_file_range", "fallocate", "ftruncate",
        "getdents", "getdents64", "lseek", "fstat", "fstatfs", "ioctl", "sendfile", "splice",
        "copy_file_range", "fadvise64", "readahead", "close", "fgetxattr", "fsetxattr",
        "flistxattr", "fremovexattr", "fchmod", "fchown")) {
      DEFAULTS.put(name, FD);
    }
  }

  /** The default class of a syscall by name. */
  public static SyscallClass of(String syscall) {
    return DEFAULTS.getOrDefault(syscall, PROMPT);
  }
}
