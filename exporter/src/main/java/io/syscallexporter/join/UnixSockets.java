package io.syscallexporter.join;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls of the agent socket's server side. The JDK's Unix domain channels cannot say
 * who is on the other end: SO_PEERCRED's pid, which the kernel vouches for, is read here.
 * Calls that fail return -1 and set errno ({@link SaveError}).
 */
public interface UnixSockets {
  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_CLOEXEC = 0x80000;
  int SOL_SOCKET = 1;
  int SO_PEERCRED = 17;
  int SO_RCVTIMEO = 20;
  int SO_SNDTIMEO = 21;
  int SHUT_RDWR = 2;
  int EINTR = 4;
  int EAGAIN = 11;
  /** struct sockaddr_un: sa_family_t then a 108-byte path. */
  int SOCKADDR_UN_SIZE = 110;
  int SUN_PATH = 2;
  /** struct ucred: pid, uid, gid. */
  int UCRED_SIZE = 12;
  /** struct timeval on LP64: seconds, microseconds. */
  int TIMEVAL_SIZE = 16;

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
  int setsockopt(int fd, int level, int name, Pointer value, int len);

  @SaveError
  @ssize_t
  long read(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t
  long write(int fd, Pointer buf, @size_t long count);

  int shutdown(int fd, int how);

  int close(int fd);
}
