package io.syscallexporter.join;

import io.syscallexporter.syscalls.SyscallTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Instant;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One accepted connection of the agent socket and the process on its other end, as the kernel
 * names them: its pid and uid (SO_PEERCRED) and a pidfd of that process. Reads and writes keep
 * to deadlines of whole frames, not of single calls (a byte every few seconds holds nothing for
 * long), and a read ends as soon as that process exits, whoever else holds the socket.
 */
final class PeerSocket implements AutoCloseable {
  private static final UnixSockets LIBC = LibraryLoader.create(UnixSockets.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
  private static final long PIDFD_OPEN = SyscallTable.forThisMachine().number("pidfd_open")
      .orElse(-1);
  static final int ENOPROTOOPT = 92;

  /** The connection's peer exited: its process is gone, whoever holds the socket now. */
  static final class PeerExited extends IOException {
    PeerExited() {
      super("the process that connected has exited");
    }
  }

  final int fd;
  final int pid;
  final int uid;
  private final int pidfd;
  final In in = new In();
  final Out out = new Out();

  private PeerSocket(int fd, int pid, int uid, int pidfd) {
    this.fd = fd;
    this.pid = pid;
    this.uid = uid;
    this.pidfd = pidfd;
  }

  /**
   * The peer of a connection accepted at {@code acceptedAt}, or null when the kernel cannot name
   * it (it has already exited). Before Linux 6.5 the pidfd is opened here, by pid, which a
   * process born since the connect could hold: then the process found must be alive and have
   * started before the accept (a pid is not reused while its process is alive).
   */
  static PeerSocket of(int fd, Instant acceptedAt) {
    Pointer cred = Memory.allocateDirect(RUNTIME, UnixSockets.UCRED_SIZE, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, UnixSockets.UCRED_SIZE);
    if (LIBC.getsockopt(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_PEERCRED, cred, len) != 0) {
      return null;
    }
    int pid = cred.getInt(0);
    int uid = cred.getInt(4);
    Pointer pidfd = Memory.allocateDirect(RUNTIME, 4, true);
    len.putInt(0, 4);
    if (LIBC.getsockopt(fd, UnixSockets.SOL_SOCKET, UnixSockets.SO_PEERPIDFD, pidfd, len) == 0) {
      return new PeerSocket(fd, pid, uid, pidfd.getInt(0));
    }
    if (LastError.getLastError(RUNTIME) != ENOPROTOOPT || PIDFD_OPEN < 0 || pid <= 0) {
      return null;
    }
    int opened = (int) LIBC.syscall(PIDFD_OPEN, pid, 0);
    if (opened < 0) {
      return null; // gone already
    }
    PeerSocket peer = new PeerSocket(fd, pid, uid, opened);
    if (!peer.alive() || !ProcessHandle.of(pid).flatMap(p -> p.info().startInstant())
        .map(started -> !started.isAfter(acceptedAt)).orElse(false)) {
      peer.closePidfd();
      return null;
    }
    return peer;
  }

  /** Whether the peer's process still runs: its pidfd is not readable yet. */
  boolean alive() {
    Pointer fds = Memory.allocateDirect(RUNTIME, UnixSockets.POLLFD_SIZE, true);
    fds.putInt(0, pidfd);
    fds.putShort(4, (short) UnixSockets.POLLIN);
    return LIBC.poll(fds, 1, 0) == 0;
  }

  /** Ends the connection both ways: blocked reads and writes return. */
  void shutdown() {
    LIBC.shutdown(fd, UnixSockets.SHUT_RDWR);
  }

  private void closePidfd() {
    LIBC.close(pidfd);
  }

  /** Closes the socket and the pidfd; only once nothing reads or writes them any more. */
  @Override
  public void close() {
    LIBC.close(fd);
    closePidfd();
  }

  private static long millisLeft(long deadline) throws InterruptedIOException {
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new InterruptedIOException("timed out");
    }
    return Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000));
  }

  /**
   * Reads of frames: the next frame's first byte within one deadline, the whole frame within
   * another from there, set by {@link #expectFrame}; the peer's exit ends any wait.
   */
  final class In extends InputStream {
    private final Pointer buffer = Memory.allocateDirect(RUNTIME, 8192);
    private final Pointer fds = Memory.allocateDirect(RUNTIME, 2 * UnixSockets.POLLFD_SIZE, true);
    private long firstByteDeadline = Long.MAX_VALUE;
    private long frameNanos;
    private long frameDeadline;
    private boolean inFrame;

    /**
     * The next frame must begin within {@code waitNanos} and, once begun, end within {@code
     * frameNanos}; with {@code frameNanos} 0, end within the {@code waitNanos} as well.
     */
    void expectFrame(long waitNanos, long frameNanos) {
      firstByteDeadline = System.nanoTime() + waitNanos;
      this.frameNanos = frameNanos;
      inFrame = false;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        long deadline = inFrame ? frameDeadline : firstByteDeadline;
        fds.putInt(0, fd);
        fds.putShort(4, (short) UnixSockets.POLLIN);
        fds.putShort(6, (short) 0);
        fds.putInt(UnixSockets.POLLFD_SIZE, pidfd);
        fds.putShort(UnixSockets.POLLFD_SIZE + 4, (short) UnixSockets.POLLIN);
        fds.putShort(UnixSockets.POLLFD_SIZE + 6, (short) 0);
        int ready = LIBC.poll(fds, 2, (int) millisLeft(deadline));
        if (ready < 0) {
          int errno = LastError.getLastError(RUNTIME);
          if (errno == UnixSockets.EINTR) {
            continue;
          }
          throw new IOException("poll failed: errno " + errno);
        }
        if (fds.getShort(UnixSockets.POLLFD_SIZE + 6) != 0) {
          throw new PeerExited();
        }
        if (fds.getShort(6) == 0) {
          continue; // timed out: millisLeft throws on the next turn
        }
        long n = LIBC.recv(fd, buffer, Math.min(len, 8192), UnixSockets.MSG_DONTWAIT);
        if (n > 0) {
          buffer.get(0, b, off, (int) n);
          if (!inFrame) {
            inFrame = true;
            frameDeadline = frameNanos > 0 ? System.nanoTime() + frameNanos : firstByteDeadline;
          }
          return (int) n;
        }
        if (n == 0) {
          return -1;
        }
        int errno = LastError.getLastError(RUNTIME);
        if (errno != UnixSockets.EINTR && errno != UnixSockets.EAGAIN) {
          throw new IOException("read failed: errno " + errno);
        }
      }
    }
  }

  /** Writes of frames, each whole within the deadline {@link #expectFrame} sets. */
  final class Out extends OutputStream {
    private final Pointer buffer = Memory.allocateDirect(RUNTIME, 8192);
    private final Pointer fds = Memory.allocateDirect(RUNTIME, UnixSockets.POLLFD_SIZE, true);
    private long deadline = Long.MAX_VALUE;

    /** The next frame must be written whole within {@code nanos}. */
    void expectFrame(long nanos) {
      deadline = System.nanoTime() + nanos;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        fds.putInt(0, fd);
        fds.putShort(4, (short) UnixSockets.POLLOUT);
        fds.putShort(6, (short) 0);
        int ready = LIBC.poll(fds, 1, (int) millisLeft(deadline));
        if (ready <= 0) {
          if (ready < 0 && LastError.getLastError(RUNTIME) != UnixSockets.EINTR) {
            throw new IOException("poll failed: errno " + LastError.getLastError(RUNTIME));
          }
          continue;
        }
        int chunk = Math.min(len, 8192);
        buffer.put(0, b, off, chunk);
        long n = LIBC.send(fd, buffer, chunk, UnixSockets.MSG_DONTWAIT | UnixSockets.MSG_NOSIGNAL);
        if (n < 0) {
          int errno = LastError.getLastError(RUNTIME);
          if (errno == UnixSockets.EINTR || errno == UnixSockets.EAGAIN) {
            continue;
          }
          throw new IOException("write failed: errno " + errno);
        }
        off += (int) n;
        len -= (int) n;
      }
    }
  }
}
