package io.syscallexporter.join;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls of the agent socket's server side. The JDK's Unix domain channels cannot say
 * who is on the other end: SO_PEERCRED's pid and uid, which the kernel vouches for, and a pidfd
 * of that process (SO_PEERPIDFD, Linux 6.5+; else pidfd_open), which stays that process's
 * however its pid is reused, are read here. Calls that fail return -1 and set errno
 * ({@link SaveError}).
 */
public interface UnixSockets {
  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SO_PEERCRED = 17;
  int SO_PEERPIDFD = 77;
  int SHUT_RDWR = 2;
  int MSG_DONTWAIT = 0x40;
  int MSG_NOSIGNAL = 0x4000;
  int POLLIN = 0x1;
  int POLLOUT = 0x4;
  /** struct pollfd: fd, events (short), revents (short). */
  int POLLFD_SIZE = 8;
  int EINTR = 4;
  int EAGAIN = 11;
  /** struct sockaddr_un: sa_family_t then a 108-byte path. */
  int SOCKADDR_UN_SIZE = 110;
  int SUN_PATH = 2;
  /** struct ucred: pid, uid, gid. */
  int UCRED_SIZE = 12;

  @SaveError
  int socket(int domain, int type, int protocol);

  @SaveError
  int bind(int fd, Pointer addr, int len);

  @SaveError
  int connect(int fd, Pointer addr, int len);

  @SaveError
  int listen(int fd, int backlog);

  @SaveError
  int accept4(int fd, Pointer addr, Pointer len, int flags);

  @SaveError
  int getsockopt(int fd, int level, int name, Pointer value, Pointer len);

  @SaveError
  @ssize_t
  long recv(int fd, Pointer buf, @size_t long count, int flags);

  @SaveError
  @ssize_t
  long send(int fd, Pointer buf, @size_t long count, int flags);

  @SaveError
  int poll(Pointer fds, long nfds, int timeoutMillis);

  /** syscall(2) with two arguments: pidfd_open(pid, 0), which glibc 2.36 wraps, older not. */
  @SaveError
  long syscall(long number, long a, long b);

  int shutdown(int fd, int how);

  int close(int fd);
}
