package io.syscallexporter.join;

import io.syscallexporter.Log;
import io.syscallexporter.Threads;
import io.syscallexporter.bpf.PidNamespace;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.ThreadNames.StuckThread;
import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.config.AgentNames;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * The Unix socket JVMs join through. Anyone who can open it may join, and joining lets a process
 * describe only itself: the exporter learns who is on the other end from the kernel (its pid
 * and uid, and a pidfd that stays that process's), never from what the client says. A client
 * holds a connection for a bounded time before it says who it is, within bounds per uid and in
 * all; every frame has a deadline; what it sends is paced; a frame that breaks the protocol
 * closes its connection and is counted. No client can hold up a scrape or a scan.
 */
public final class AgentSocket implements AutoCloseable {
  /** The bounds on connections: JVMs per host, with room for some that come and go. */
  static final Admission.Limits LIMITS = new Admission.Limits(300, 64, 64, 8, 10);
  /**
   * The deadlines: a new connection says who it is, whole, within {@code helloNanos}; a joined
   * agent sends its pools at least every 10 s, so silence past {@code idleNanos} is a dead
   * peer; a frame, once begun, is read whole within {@code frameNanos}, and one written is
   * written whole within it.
   */
  record Deadlines(long helloNanos, long idleNanos, long frameNanos) {}

  static final Deadlines DEADLINES = new Deadlines(5_000_000_000L, 30_000_000_000L,
      5_000_000_000L);
  /** Stack requests waiting to be written to one JVM; past this, a stuck thread is its comm. */
  static final int MAX_QUEUED_STACKS = 256;
  /**
   * THREADS, POOLS and VIRTUAL_POOLS frames a JVM may send (the agent sends one of each a second
   * at most), ELSEWHERE and CONTEXT too.
   */
  static final int NAMING_BURST = 8;
  static final int NAMING_PER_SECOND = 4;
  /** STACK frames: as many as may be asked at once, then a few a second (stuck calls are few). */
  static final int ANSWERS_PER_SECOND = 16;

  /** A STACK frame's first line: "tid", or "tid trace_id span_id flags". */
  private static final Pattern STACK_FIRST_LINE =
      Pattern.compile("(\\d{1,10})(?: ([0-9a-f]{32}) ([0-9a-f]{16}) ([0-9a-f]{2}))?");
  private static final HexFormat HEX = HexFormat.of();
  private static final UnixSockets LIBC = LibraryLoader.create(UnixSockets.class).load("c");
  private static final Runtime RUNTIME = Runtime.getRuntime(LIBC);

  private final Path path;
  private final JoinedJvms jvms;
  private final JoinStats stats;
  private final Deadlines deadlines;
  private final int fd;
  private final Admission admission = new Admission(LIMITS);
  /** Warnings about clients: a hostile one must not flood the log, nor hide others'. */
  private final ClientWarnings warnings = new ClientWarnings(System::nanoTime,
      System.err::println);
  private final Set<PeerSocket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private AgentSocket(Path path, JoinedJvms jvms, JoinStats stats, Deadlines deadlines,
      int fd) {
    this.path = path;
    this.jvms = jvms;
    this.stats = stats;
    this.deadlines = deadlines;
    this.fd = fd;
  }

  /**
   * Creates the socket: its directory if missing (mode 0755), the socket itself world-writable
   * (0666), so that a JVM of any user, in any container that mounts the directory, may join.
   * It is bound in a directory of the exporter's own, given its mode there and moved into
   * place, so nobody can swap the path for a link to another file in between. A stale socket
   * left by an exporter that was killed is replaced; a live one (another exporter) is not, and
   * this throws. Refused outside the host's pid namespace, where the pids peers are known by
   * would not be the kernel's.
   */
  public static AgentSocket open(Path path, JoinedJvms jvms, JoinStats stats) throws IOException {
    return open(path, jvms, stats, DEADLINES);
  }

  static AgentSocket open(Path path, JoinedJvms jvms, JoinStats stats, Deadlines deadlines)
      throws IOException {
    if (!PidNamespace.isInitial()) {
      throw new IOException("the exporter is not in the host's pid namespace, so it cannot"
          + " tell the kernel which process joined (run it in the host's: hostPID: true)");
    }
    Pointer addr = sockaddr(path);
    Path dir = path.toAbsolutePath().getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      int probe = check(LIBC.socket(UnixSockets.AF_UNIX,
          UnixSockets.SOCK_STREAM | UnixSockets.SOCK_CLOEXEC, 0), "socket");
      boolean live = LIBC.connect(probe, addr, UnixSockets.SOCKADDR_UN_SIZE) == 0;
      LIBC.close(probe);
      if (live) {
        throw new IOException(path + " is served by another exporter");
      }
    }
    Path staging = Files.createTempDirectory(dir, ".s"); // 0700: only this process writes in it
    Path staged = staging.resolve("s");
    int fd = check(LIBC.socket(UnixSockets.AF_UNIX,
        UnixSockets.SOCK_STREAM | UnixSockets.SOCK_CLOEXEC, 0), "socket");
    try {
      check(LIBC.bind(fd, sockaddr(staged), UnixSockets.SOCKADDR_UN_SIZE), "bind " + staged);
      Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString("rw-rw-rw-"));
      check(LIBC.listen(fd, 128), "listen on " + staged);
      // rename(2): replaces what is at the path, link or stale socket, and follows no link.
      Files.move(staged, path, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LIBC.close(fd);
      Files.deleteIfExists(staged);
      throw e;
    } finally {
      Files.deleteIfExists(staging);
    }
    return new AgentSocket(path, jvms, stats, deadlines, fd);
  }

  /** Starts accepting JVMs, on a thread of its own. */
  public void serve() {
    Threads.factory("agent-socket").newThread(this::acceptLoop).start();
  }

  private void acceptLoop() {
    while (!closed) {
      int c = LIBC.accept4(fd, null, null, UnixSockets.SOCK_CLOEXEC);
      if (c < 0) {
        int errno = LastError.getLastError(RUNTIME);
        if (closed) {
          return;
        }
        if (errno != UnixSockets.EINTR) {
          warnings.warn(() -> Log.line("warn", "agent socket: accept failed", "errno", errno));
          sleepQuietly(100); // out of fds, say: do not spin
        }
        continue;
      }
      PeerSocket peer = PeerSocket.of(c, Instant.now());
      if (peer == null) {
        LIBC.close(c); // gone before it could be named
        continue;
      }
      if (!admission.admit(peer.uid, System.nanoTime())) {
        stats.count(JoinStats.Error.BUSY);
        peer.close();
        continue;
      }
      open.add(peer);
      Threads.factory("agent-" + peer.pid).newThread(() -> {
        Connection connection = new Connection(peer);
        try {
          connection.run();
        } finally {
          open.remove(peer);
          peer.close();
          admission.release(peer.uid, connection.admitted, System.nanoTime());
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
    private final PeerSocket peer;
    private final Map<Integer, CompletableFuture<StuckThread>> pending = new HashMap<>();
    /** Guards the outbox: the stack requests to send, and the series to send next. */
    private final Object outbox = new Object();
    private final ArrayDeque<String> stackRequests = new ArrayDeque<>();
    /** A newer one replaces it: only the latest series is worth sending. */
    private String metrics;
    private boolean ended;
    private Thread writer;
    /** Admitted as a joined JVM (not only as a new connection). */
    boolean admitted;

    Connection(PeerSocket peer) {
      this.peer = peer;
    }

    void run() {
      JoinedJvms.Member member = null;
      try {
        peer.in.expectFrame(deadlines.helloNanos(), 0);
        Frames.Frame hello = Frames.read(peer.in);
        if (hello.type() != Frames.HELLO || !AgentNames.isValid(hello.text())) {
          throw new Frames.MalformedException("the first frame must be HELLO with a valid name");
        }
        Admission.Refusal refusal = admission.join(peer.uid, System.nanoTime());
        if (refusal != null) {
          stats.count(refusal == Admission.Refusal.BUSY ? JoinStats.Error.BUSY
              : JoinStats.Error.RATE_LIMITED);
          send(Frames.REFUSED, refusal == Admission.Refusal.BUSY ? "too many connections"
              : "too many joins by this user: try again later");
          return;
        }
        admitted = true;
        StringBuilder whyNot = new StringBuilder();
        member = jvms.join(peer.pid, peer.uid, hello.text(), this, whyNot);
        if (member == null) {
          stats.count(JoinStats.Error.REFUSED);
          send(Frames.REFUSED, whyNot.toString());
          return;
        }
        if (!peer.alive()) {
          return; // it exited while joining: its pid may be another's already
        }
        send(Frames.WELCOME, Frames.WELCOME_READS);
        writer = Threads.factory("agent-" + peer.pid + "-out").newThread(this::writeLoop);
        writer.start();
        TokenBucket naming = new TokenBucket(NAMING_BURST, NAMING_PER_SECOND, System.nanoTime());
        TokenBucket answers = new TokenBucket(MAX_QUEUED_STACKS, ANSWERS_PER_SECOND,
            System.nanoTime());
        while (!closed) {
          peer.in.expectFrame(deadlines.idleNanos(), deadlines.frameNanos());
          Frames.Frame f = Frames.read(peer.in);
          boolean paced = (f.type() == Frames.STACK ? answers : naming).take(System.nanoTime());
          if (!paced) {
            stats.count(JoinStats.Error.RATE_LIMITED);
            continue; // read and dropped: it costs a read, never a parse
          }
          boolean kept = switch (f.type()) {
            case Frames.THREADS -> jvms.named(member, threads(f.text()));
            case Frames.POOLS -> jvms.pools(member, pools(f.text()));
            case Frames.STACK -> answered(f.text());
            case Frames.ELSEWHERE -> jvms.servedElsewhere(member, f.text());
            case Frames.CONTEXT -> jvms.traceContexts(member, f.text());
            case Frames.VIRTUAL_POOLS -> jvms.virtualPools(member, virtualPools(f.text()));
            default -> throw new Frames.MalformedException("unexpected frame type " + f.type());
          };
          if (!kept) {
            stats.count(JoinStats.Error.OVER_BUDGET);
          }
        }
      } catch (Frames.MalformedException e) {
        stats.count(JoinStats.Error.MALFORMED);
        warnings.warn(peer.uid, () -> Log.line("warn", "agent socket: malformed input,"
            + " connection closed", "pid", peer.pid, "uid", peer.uid, "err", e.getMessage()));
      } catch (InterruptedIOException e) {
        stats.count(JoinStats.Error.TIMEOUT);
      } catch (IOException e) {
        // the peer went away (a JVM that exits, or is killed), or its process exited
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

    @Override
    public void close() {
      peer.shutdown(); // the reader ends, and the JVM leaves
    }

    private synchronized void send(byte type, String text) throws IOException {
      peer.out.expectFrame(deadlines.frameNanos());
      Frames.write(peer.out, type, text);
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
        peer.shutdown(); // the reader ends the connection
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Stops the writer before the fd is closed (its number may be reused at once). */
    private void endWriter() {
      if (writer == null) {
        return;
      }
      peer.shutdown(); // a write in progress returns
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

    /** A STACK frame, answering this JVM's stack request for its thread. */
    private boolean answered(String text) throws Frames.MalformedException {
      StackAnswer answer = stackAnswer(text);
      CompletableFuture<StuckThread> p;
      synchronized (pending) {
        p = pending.get(answer.tid());
      }
      if (p != null) {
        p.complete(answer.thread());
      }
      return true;
    }
  }

  /** A STACK frame's tid and what it says of that thread. */
  record StackAnswer(int tid, StuckThread thread) {}

  /**
   * A STACK frame: a first line of the tid, and for an exporter that reads CONTEXT the trace
   * context the JVM read from the thread's record, if it has one ("tid trace_id span_id flags",
   * lowercase hex); then the thread's Java name (for an exporter that reads VIRTUAL_POOLS, a
   * virtual thread's name, a tab, and its carrier's), then its frames, a line each.
   */
  static StackAnswer stackAnswer(String text) throws Frames.MalformedException {
    String[] lines = text.split("\n", -1);
    if (lines.length < 2 || lines.length > Frames.MAX_STACK_FRAMES + 2) {
      throw new Frames.MalformedException("a stack of " + lines.length + " lines");
    }
    Matcher first = STACK_FIRST_LINE.matcher(lines[0]);
    if (!first.matches()) {
      throw new Frames.MalformedException("a stack without a thread id");
    }
    int tid;
    try {
      tid = Integer.parseInt(first.group(1));
    } catch (NumberFormatException e) {
      throw new Frames.MalformedException("a stack without a thread id");
    }
    TraceContext trace = first.group(2) == null ? TraceContext.NONE : TraceContext.of(
        HEX.parseHex(first.group(2)), HEX.parseHex(first.group(3)),
        (byte) Integer.parseInt(first.group(4), 16));
    if (first.group(2) != null && !trace.present()) {
      throw new Frames.MalformedException("a stack with all-zero trace ids");
    }
    List<String> frames = new ArrayList<>(List.of(lines).subList(2, lines.length));
    frames.removeIf(String::isEmpty);
    String[] names = lines[1].split("\t", -1);
    if (names.length > 2 || !Arrays.stream(names).allMatch(Frames::showable)
        || !frames.stream().allMatch(Frames::showable)) {
      throw new Frames.MalformedException("a stack with a control or formatting character");
    }
    return new StackAnswer(tid, new StuckThread(names[0], frames, trace,
        names.length > 1 ? names[1] : null));
  }

  /** A POOLS frame: lines of "key TAB pool". */
  static Map<String, String> pools(String text) throws Frames.MalformedException {
    Map<String, String> out = new HashMap<>();
    for (String[] line : tabbed(text, 64, Frames.MAX_POOLS, "key TAB pool")) {
      out.put(line[0], line[1]);
    }
    return Map.copyOf(out);
  }

  /** A VIRTUAL_POOLS frame: lines of "index TAB pool", index 1 to 255. */
  static Map<Integer, String> virtualPools(String text) throws Frames.MalformedException {
    return numbered(tabbed(text, 3, SeriesKey.MAX_VIRTUAL_POOLS, "index TAB pool"),
        SeriesKey.MAX_VIRTUAL_POOLS, "a virtual pool's index is 1 to "
            + SeriesKey.MAX_VIRTUAL_POOLS);
  }

  /** A THREADS frame: lines of "tid TAB name". */
  static Map<Integer, String> threads(String text) throws Frames.MalformedException {
    return numbered(tabbed(text, 10, Frames.MAX_THREADS, "tid TAB name"), Integer.MAX_VALUE,
        "a thread line starts with its tid");
  }

  /** Lines whose first part is a number from 1 to {@code max}, by that number. */
  private static Map<Integer, String> numbered(List<String[]> lines, int max, String rule)
      throws Frames.MalformedException {
    Map<Integer, String> out = new HashMap<>();
    for (String[] line : lines) {
      int n;
      try {
        n = Integer.parseInt(line[0]);
      } catch (NumberFormatException e) {
        n = 0;
      }
      if (n < 1 || n > max) {
        throw new Frames.MalformedException(rule);
      }
      out.put(n, line[1]);
    }
    return Map.copyOf(out);
  }

  /**
   * The lines of a frame of "first TAB second" lines: both parts non-empty, the first at most
   * {@code maxFirst} characters, the second at most {@link Frames#MAX_THREAD_NAME}, each
   * {@link Frames#showable}, at most {@code maxLines} lines.
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
          || !Frames.showable(line.substring(0, tab))
          || !Frames.showable(line.substring(tab + 1))) {
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
    open.forEach(PeerSocket::shutdown);
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
}
