package io.syscallexporter.join;

import io.syscallexporter.Log;
import io.syscallexporter.Threads;
import io.syscallexporter.collect.ThreadNames.StuckThread;
import io.syscallexporter.config.AgentNames;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The Unix socket JVMs join through. Anyone who can open it may join, and joining lets a process
 * describe only itself: the exporter learns who is on the other end from the kernel
 * (SO_PEERCRED), never from what the client says. Each connection has a thread and a time
 * limit; a slow, silent or hostile client holds one of {@link #MAX_CONNECTIONS} slots for a few
 * seconds at most and never a scrape, and a frame that breaks the protocol closes its
 * connection and is counted.
 */
public final class AgentSocket implements AutoCloseable {
  /** Connections at once: JVMs per host, with room for a few that come and go. */
  static final int MAX_CONNECTIONS = 300;
  /** A new connection must say who it is within this. */
  static final int HELLO_SECONDS = 5;
  /** A joined agent sends its pools at least every 10 s; silence past this is a dead peer. */
  static final int IDLE_SECONDS = 30;
  /** A peer that does not read what the exporter writes. */
  static final int WRITE_SECONDS = 5;
  /** Stack requests waiting to be written to one JVM; past this, a stuck thread is its comm. */
  static final int MAX_QUEUED_STACKS = 256;

  private static final UnixSockets LIBC = LibraryLoader.create(UnixSockets.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private final Path path;
  private final JoinedJvms jvms;
  private final JoinStats stats;
  private final int fd;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Set<Integer> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private AgentSocket(Path path, JoinedJvms jvms, JoinStats stats, int fd) {
    this.path = path;
    this.jvms = jvms;
    this.stats = stats;
    this.fd = fd;
  }

  /**
   * Creates the socket: its directory if missing (mode 0755), the socket itself world-writable
   * (0666), so that a JVM of any user, in any container that mounts the directory, may join.
   * A stale socket left by an exporter that was killed is replaced; a live one (another
   * exporter) is not, and this throws.
   */
  public static AgentSocket open(Path path, JoinedJvms jvms, JoinStats stats) throws IOException {
    Pointer addr = sockaddr(path);
    Path dir = path.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    if (Files.exists(path)) {
      int probe = check(LIBC.socket(UnixSockets.AF_UNIX,
          UnixSockets.SOCK_STREAM | UnixSockets.SOCK_CLOEXEC, 0), "socket");
      boolean live = LIBC.connect(probe, addr, UnixSockets.SOCKADDR_UN_SIZE) == 0;
      LIBC.close(probe);
      if (live) {
        throw new IOException(path + " is served by another exporter");
      }
      Files.delete(path);
    }
    int fd = check(LIBC.socket(UnixSockets.AF_UNIX,
        UnixSockets.SOCK_STREAM | UnixSockets.SOCK_CLOEXEC, 0), "socket");
    try {
      check(LIBC.bind(fd, addr, UnixSockets.SOCKADDR_UN_SIZE), "bind " + path);
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
      check(LIBC.listen(fd, 128), "listen on " + path);
    } catch (IOException e) {
      LIBC.close(fd);
      throw e;
    }
    return new AgentSocket(path, jvms, stats, fd);
  }

  /** Starts accepting JVMs, on a thread of its own. */
  public void serve() {
    Threads.factory("agent-socket").newThread(this::acceptLoop).start();
  }

  private void acceptLoop() {
    Pointer cred = Memory.allocateDirect(RUNTIME, UnixSockets.UCRED_SIZE, true);
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    while (!closed) {
      int c = LIBC.accept4(fd, null, null, UnixSockets.SOCK_CLOEXEC);
      if (c < 0) {
        int errno = LastError.getLastError(RUNTIME);
        if (closed) {
          return;
        }
        if (errno != UnixSockets.EINTR) {
          Log.warn("agent socket: accept failed", "errno", errno);
          sleepQuietly(100); // out of fds, say: do not spin
        }
        continue;
      }
      len.putInt(0, UnixSockets.UCRED_SIZE);
      if (LIBC.getsockopt(c, UnixSockets.SOL_SOCKET, UnixSockets.SO_PEERCRED, cred, len) != 0
          || !slots.tryAcquire()) {
        stats.count(JoinStats.Error.BUSY);
        LIBC.close(c);
        continue;
      }
      int pid = cred.getInt(0);
      open.add(c);
      Threads.factory("agent-" + pid).newThread(() -> {
        try {
          new Connection(c, pid).run();
        } finally {
          open.remove(c);
          LIBC.close(c);
          slots.release();
        }
      }).start();
    }
  }

  /**
   * One client: it says who it is, joins, then sends its pools and answers stack requests. What
   * the exporter sends a joined JVM waits in its outbox (its latest series, and stack requests)
   * for a writer thread of the connection's own, so that no scan or publish waits on a JVM that
   * reads slowly or not at all; a write that fails or times out ends the connection, as a frame
   * half written would desynchronise the stream.
   */
  private final class Connection implements JoinedJvms.Link {
    private final int fd;
    private final int pid;
    private final InputStream in;
    private final OutputStream out;
    private final Map<Integer, CompletableFuture<StuckThread>> pending = new HashMap<>();
    /** Guards the outbox: the stack requests to send, and the series to send next. */
    private final Object outbox = new Object();
    private final ArrayDeque<String> stackRequests = new ArrayDeque<>();
    /** A newer one replaces it: only the latest series is worth sending. */
    private String metrics;
    private boolean ended;
    private Thread writer;

    Connection(int fd, int pid) {
      this.fd = fd;
      this.pid = pid;
      this.in = new FdInputStream(fd);
      this.out = new FdOutputStream(fd);
    }

    void run() {
      JoinedJvms.Member member = null;
      try {
        timeout(fd, UnixSockets.SO_SNDTIMEO, WRITE_SECONDS);
        timeout(fd, UnixSockets.SO_RCVTIMEO, HELLO_SECONDS);
        Frames.Frame hello = Frames.read(in);
        if (hello.type() != Frames.HELLO || !AgentNames.isValid(hello.text())) {
          throw new Frames.MalformedException("the first frame must be HELLO with a valid name");
        }
        StringBuilder whyNot = new StringBuilder();
        member = jvms.join(pid, hello.text(), this, whyNot);
        if (member == null) {
          stats.count(JoinStats.Error.REFUSED);
          send(Frames.REFUSED, whyNot.toString());
          return;
        }
        send(Frames.WELCOME, "");
        writer = Threads.factory("agent-" + pid + "-out").newThread(this::writeLoop);
        writer.start();
        timeout(fd, UnixSockets.SO_RCVTIMEO, IDLE_SECONDS);
        while (!closed) {
          Frames.Frame f = Frames.read(in);
          switch (f.type()) {
            case Frames.THREADS -> jvms.named(member, threads(f.text()));
            case Frames.POOLS -> member.poolByKey = pools(f.text());
            case Frames.STACK -> answered(f.text());
            default -> throw new Frames.MalformedException("unexpected frame type " + f.type());
          }
        }
      } catch (Frames.MalformedException e) {
        stats.count(JoinStats.Error.MALFORMED);
        Log.warn("agent socket: malformed input, connection closed", "pid", pid,
            "err", e.getMessage());
      } catch (InterruptedIOException e) {
        stats.count(JoinStats.Error.TIMEOUT);
      } catch (IOException e) {
        // the peer went away (a JVM that exits, or is killed)
      } finally {
        if (member != null) {
          jvms.leave(member);
        }
        endWriter();
        List<CompletableFuture<StuckThread>> unanswered;
        synchronized (pending) {
          unanswered = List.copyOf(pending.values());
        }
        unanswered.forEach(p -> p.complete(null));
      }
    }

    private synchronized void send(byte type, String text) throws IOException {
      Frames.write(out, type, text);
    }

    /** Writes what the outbox holds, stack requests first, until the connection ends. */
    private void writeLoop() {
      try {
        while (true) {
          byte type;
          String text;
          synchronized (outbox) {
            while (!ended && stackRequests.isEmpty() && metrics == null) {
              outbox.wait();
            }
            if (ended) {
              return;
            }
            if (!stackRequests.isEmpty()) {
              type = Frames.STACK_REQUEST;
              text = stackRequests.poll();
            } else {
              type = Frames.METRICS;
              text = metrics;
              metrics = null;
            }
          }
          send(type, text);
        }
      } catch (IOException | IllegalArgumentException e) {
        if (e instanceof InterruptedIOException) {
          stats.count(JoinStats.Error.TIMEOUT);
        }
        LIBC.shutdown(fd, UnixSockets.SHUT_RDWR); // the reader ends the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Stops the writer before the fd is closed (its number may be reused at once). */
    private void endWriter() {
      if (writer == null) {
        return;
      }
      LIBC.shutdown(fd, UnixSockets.SHUT_RDWR); // a write in progress returns
      synchronized (outbox) {
        ended = true;
        outbox.notifyAll();
      }
      try {
        writer.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public CompletableFuture<StuckThread> stack(int tid, String comm) {
      CompletableFuture<StuckThread> answer;
      synchronized (pending) {
        CompletableFuture<StuckThread> asked = pending.get(tid);
        if (asked != null) {
          return asked;
        }
        answer = new CompletableFuture<>();
        pending.put(tid, answer);
      }
      answer.whenComplete((t, e) -> {
        synchronized (pending) {
          pending.remove(tid, answer);
        }
      });
      synchronized (outbox) {
        if (ended || stackRequests.size() >= MAX_QUEUED_STACKS) {
          answer.complete(null);
        } else {
          stackRequests.add(tid + " " + comm);
          outbox.notifyAll();
        }
      }
      return answer;
    }

    @Override
    public void metrics(String text) {
      synchronized (outbox) {
        metrics = text;
        outbox.notifyAll();
      }
    }

    /** A STACK frame: the tid, the thread's Java name, then its frames, a line each. */
    private void answered(String text) throws Frames.MalformedException {
      String[] lines = text.split("\n", -1);
      if (lines.length < 2 || lines.length > Frames.MAX_STACK_FRAMES + 2) {
        throw new Frames.MalformedException("a stack of " + lines.length + " lines");
      }
      int tid;
      try {
        tid = Integer.parseInt(lines[0]);
      } catch (NumberFormatException e) {
        throw new Frames.MalformedException("a stack without a thread id");
      }
      List<String> frames = new ArrayList<>(List.of(lines).subList(2, lines.length));
      frames.removeIf(String::isEmpty);
      CompletableFuture<StuckThread> p;
      synchronized (pending) {
        p = pending.get(tid);
      }
      if (p != null) {
        p.complete(new StuckThread(lines[1], frames));
      }
    }
  }

  /** A POOLS frame: lines of "key TAB pool". */
  static Map<String, String> pools(String text) throws Frames.MalformedException {
    Map<String, String> out = new HashMap<>();
    for (String[] line : tabbed(text, 64, Frames.MAX_POOLS, "key TAB pool")) {
      out.put(line[0], line[1]);
    }
    return Map.copyOf(out);
  }

  /** A THREADS frame: lines of "tid TAB name". */
  static Map<Integer, String> threads(String text) throws Frames.MalformedException {
    Map<Integer, String> out = new HashMap<>();
    for (String[] line : tabbed(text, 10, Frames.MAX_THREADS, "tid TAB name")) {
      int tid;
      try {
        tid = Integer.parseInt(line[0]);
      } catch (NumberFormatException e) {
        tid = 0;
      }
      if (tid <= 0) {
        throw new Frames.MalformedException("a thread line starts with its tid");
      }
      out.put(tid, line[1]);
    }
    return Map.copyOf(out);
  }

  /**
   * The lines of a frame of "first TAB second" lines: both parts non-empty, the first at most
   * {@code maxFirst} characters, the second at most {@link Frames#MAX_THREAD_NAME}, no control
   * character, at most {@code maxLines} lines.
   */
  private static List<String[]> tabbed(String text, int maxFirst, int maxLines, String shape)
      throws Frames.MalformedException {
    List<String[]> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      int tab = line.indexOf('\t');
      if (tab <= 0 || tab > maxFirst || tab == line.length() - 1
          || line.length() - tab - 1 > Frames.MAX_THREAD_NAME
          || line.chars().anyMatch(ch -> ch < 0x20 && ch != '\t')) {
        throw new Frames.MalformedException("a line is \"" + shape + "\"");
      }
      if (out.size() >= maxLines) {
        throw new Frames.MalformedException("more than " + maxLines + " lines");
      }
      out.add(new String[] {line.substring(0, tab), line.substring(tab + 1)});
    }
    return out;
  }

  /** Stops accepting and closes every connection; their JVMs leave. Removes the socket. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    jvms.closing();
    LIBC.shutdown(fd, UnixSockets.SHUT_RDWR);
    LIBC.close(fd);
    open.forEach(c -> LIBC.shutdown(c, UnixSockets.SHUT_RDWR));
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // left for the next start, which replaces a stale socket
    }
  }

  private static Pointer sockaddr(Path path) throws IOException {
    byte[] bytes = path.toString().getBytes(StandardCharsets.UTF_8);
    if (bytes.length >= UnixSockets.SOCKADDR_UN_SIZE - UnixSockets.SUN_PATH) {
      throw new IOException("socket path too long (at most 107 bytes): " + path);
    }
    Pointer addr = Memory.allocateDirect(RUNTIME, UnixSockets.SOCKADDR_UN_SIZE, true);
    addr.putShort(0, (short) UnixSockets.AF_UNIX);
    addr.put(UnixSockets.SUN_PATH, bytes, 0, bytes.length);
    return addr;
  }

  private static void timeout(int fd, int option, int seconds) throws IOException {
    Pointer tv = Memory.allocateDirect(RUNTIME, UnixSockets.TIMEVAL_SIZE, true);
    tv.putLong(0, seconds);
    check(LIBC.setsockopt(fd, UnixSockets.SOL_SOCKET, option, tv, UnixSockets.TIMEVAL_SIZE),
        "set a socket timeout");
  }

  private static int check(int rc, String what) throws IOException {
    if (rc < 0) {
      throw new IOException("cannot " + what + ": errno " + LastError.getLastError(RUNTIME));
    }
    return rc;
  }

  private static void sleepQuietly(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Blocking reads of a socket; a receive timeout is an InterruptedIOException. */
  private static final class FdInputStream extends InputStream {
    private final int fd;
    private final Pointer buffer = Memory.allocateDirect(RUNTIME, 8192);

    FdInputStream(int fd) {
      this.fd = fd;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        long n = LIBC.read(fd, buffer, Math.min(len, 8192));
        if (n > 0) {
          buffer.get(0, b, off, (int) n);
          return (int) n;
        }
        if (n == 0) {
          return -1;
        }
        int errno = LastError.getLastError(RUNTIME);
        if (errno == UnixSockets.EAGAIN) {
          throw new InterruptedIOException("read timed out");
        }
        if (errno != UnixSockets.EINTR) {
          throw new IOException("read failed: errno " + errno);
        }
      }
    }
  }

  /** Blocking writes to a socket; a send timeout is an InterruptedIOException. */
  private static final class FdOutputStream extends OutputStream {
    private final int fd;
    private final Pointer buffer = Memory.allocateDirect(RUNTIME, 8192);

    FdOutputStream(int fd) {
      this.fd = fd;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
      while (len > 0) {
        int chunk = Math.min(len, 8192);
        buffer.put(0, b, off, chunk);
        long n = LIBC.write(fd, buffer, chunk);
        if (n < 0) {
          int errno = LastError.getLastError(RUNTIME);
          if (errno == UnixSockets.EINTR) {
            continue;
          }
          if (errno == UnixSockets.EAGAIN) {
            throw new InterruptedIOException("write timed out");
          }
          throw new IOException("write failed: errno " + errno);
        }
        off += (int) n;
        len -= (int) n;
      }
    }
  }
}
