package io.syscallexporter.join;

import io.syscallexporter.Log;
import io.syscallexporter.Threads;
import io.syscallexporter.collect.ThreadNames.StuckThread;
import io.syscallexporter.jvm.JavaThreads;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.LabelSet;
import io.syscallexporter.metrics.SeriesText;
import io.syscallexporter.metrics.Totals;
import io.syscallexporter.trace.ThreadContextRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The agent's side of joining a host exporter: no BPF and no native code in the service's JVM,
 * only a Unix socket from the JDK. It says the JVM's name, keeps the exporter told of its
 * threads' full names (and of the pool each comm stands for, for a thread's first seconds), and
 * answers requests for a stuck thread's Java stack. When the exporter goes (a restart), it
 * rejoins by itself, backing off up to 30 s; the service never notices.
 */
public final class JoinClient {
  /**
   * How often the threads are looked at: their pools sent, and their names when they changed.
   */
  static final long THREADS_EVERY_MILLIS = 1000;
  /** Names are sent at least this often: the exporter takes silence for a dead peer. */
  static final long HEARTBEAT_MILLIS = 10_000;
  static final long MAX_BACKOFF_MILLIS = 30_000;

  private final Path socket;
  private final String name;
  private final JavaThreads threads;
  /** This JVM's series as the exporter last sent them, published over JMX. */
  private volatile JmxPublisher.Source series = SeriesText.decode("", "");
  private JmxPublisher jmx;
  /** Whether this JVM's series are served by its service's own endpoint now. */
  private volatile BooleanSupplier elsewhere = () -> false;

  private JoinClient(Path socket, String name, JavaThreads threads) {
    this.socket = socket;
    this.name = name;
    this.threads = threads;
  }

  /** Whether an exporter answers on {@code socket} now. */
  public static boolean exporterAt(Path socket) {
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      return probe.isConnected();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Joins on a daemon thread, and rejoins whenever the connection is lost. */
  public static JoinClient start(Path socket, String name, JavaThreads threads) {
    JoinClient client = new JoinClient(socket, name, threads);
    Threads.factory("join").newThread(client::run).start();
    return client;
  }

  /**
   * {@code served}: whether this JVM's series are served by its service's own endpoint now.
   * The exporter is told each change (and at each rejoin), and leaves them out of its own while
   * they are, so no call is counted in two jobs.
   */
  public void servedElsewhere(BooleanSupplier served) {
    elsewhere = served;
  }

  /** This JVM's series as the exporter last sent them (none before the first). */
  public JmxPublisher.Source series() {
    return series;
  }

  private void run() {
    long backoff = 1000;
    boolean wasJoined = false;
    String refusedFor = null;
    while (true) {
      try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
        channel.connect(UnixDomainSocketAddress.of(socket));
        InputStream in = inputOf(channel);
        OutputStream out = outputOf(channel);
        Frames.write(out, Frames.HELLO, name);
        Frames.Frame answer = Frames.read(in);
        if (answer.type() != Frames.WELCOME) {
          if (!answer.text().equals(refusedFor)) { // once per reason, not once per retry
            refusedFor = answer.text();
            Log.warn("syscall_exporter agent: the host exporter refused this JVM; retrying",
                "socket", socket, "err", refusedFor);
          }
        } else {
          refusedFor = null;
          List<String> reads = List.of(answer.text().split(" "));
          if (reads.contains(Frames.WELCOME_CONTEXT)) {
            allowTraceContexts(out);
          }
          Log.info("syscall_exporter agent joined the host exporter", "socket", socket, "name",
              name, "rejoin", wasJoined);
          startJmx();
          wasJoined = true;
          backoff = 1000;
          // An exporter that cannot read ELSEWHERE keeps the series: they are then in both.
          session(in, out, reads);
        }
      } catch (IOException | RuntimeException e) {
        if (wasJoined) {
          Log.info("syscall_exporter agent lost the host exporter; rejoining", "err",
              String.valueOf(e.getMessage()));
        }
      }
      sleep(backoff);
      backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
    }
  }

  /**
   * A cookie of this join's for the exporter, which the kernel takes this JVM's threads'
   * trace context registrations with; the tracer side finds it in the property. A new one each
   * join: each thread registers again at its next span, with the exporter's new programs.
   */
  private static void allowTraceContexts(OutputStream out) throws IOException {
    long cookie = ThreadContextRecord.newCookie();
    Frames.write(out, Frames.CONTEXT, Long.toHexString(cookie));
    ThreadContextRecord.publishCookie(cookie);
  }

  /**
   * Joined: names out every second when they change; stack requests answered as they come.
   * {@code reads}: what the exporter's WELCOME says it reads.
   */
  private void session(InputStream in, OutputStream out, List<String> reads)
      throws IOException {
    boolean readsElsewhere = reads.contains(Frames.WELCOME_ELSEWHERE);
    boolean readsContexts = reads.contains(Frames.WELCOME_CONTEXT);
    // An older exporter would count a virtual thread's calls by an index it cannot name.
    boolean readsVirtual = reads.contains(Frames.WELCOME_VIRTUAL);
    Thread answers = Threads.factory("join-answers").newThread(() -> {
      try {
        while (true) {
          Frames.Frame f = Frames.read(in, Frames.MAX_FRAME_TO_AGENT);
          if (f.type() == Frames.METRICS) {
            series = SeriesText.decode(f.text(), name);
            jmx.refresh();
          } else if (f.type() == Frames.STACK_REQUEST) {
            String[] parts = f.text().split(" ", 2);
            StuckThread t = threads.stuckThread(0, Integer.parseInt(parts[0]),
                parts.length > 1 ? parts[1] : "").join(); // this JVM's own: done at once
            StringBuilder s = new StringBuilder(parts[0]);
            if (readsContexts && t.trace().present()) {
              s.append(' ').append(t.trace().traceId()).append(' ').append(t.trace().spanId())
                  .append(t.trace().sampled() ? " 01" : " 00");
            }
            s.append('\n').append(Frames.shown(t.name()));
            if (readsVirtual && t.carrier() != null) {
              s.append('\t').append(Frames.shown(t.carrier()));
            }
            t.javaStack().forEach(frame -> s.append('\n').append(Frames.shown(frame)));
            synchronized (out) {
              Frames.write(out, Frames.STACK, s.toString());
            }
          }
        }
      } catch (IOException | RuntimeException e) {
        // the connection is gone: the pools loop notices on its next write
      }
    });
    answers.start();
    try {
      String sentNames = null;
      String sentVirtual = null;
      boolean saidElsewhere = false;
      long lastSent = 0;
      while (answers.isAlive()) {
        JavaThreads.Naming naming = threads.naming(Frames.MAX_POOLS, Frames.MAX_THREAD_NAME,
            Frames.MAX_THREADS);
        // Pools first: a thread's first seconds are labelled by them, until it is named.
        String pools = linesText(naming.poolsByKey());
        String names = linesText(naming.namesByTid());
        String virtual = readsVirtual ? linesText(threads.virtualPools()) : "";
        long now = System.currentTimeMillis();
        boolean heartbeat = now - lastSent >= HEARTBEAT_MILLIS;
        synchronized (out) {
          // Every second, changed or not: the exporter holds the counts of a key it does not
          // know until this JVM has said, after those calls, which live threads have it.
          Frames.write(out, Frames.POOLS, pools);
          if (heartbeat || !names.equals(sentNames)) {
            Frames.write(out, Frames.THREADS, names);
            sentNames = names;
          }
          if (readsVirtual && !virtual.equals(sentVirtual)) {
            Frames.write(out, Frames.VIRTUAL_POOLS, virtual);
            sentVirtual = virtual;
          }
          boolean served = readsElsewhere && elsewhere.getAsBoolean();
          if (served != saidElsewhere) {
            Frames.write(out, Frames.ELSEWHERE, served ? "1" : "0");
            saidElsewhere = served;
          }
        }
        if (heartbeat) {
          lastSent = now;
        }
        sleep(THREADS_EVERY_MILLIS);
      }
      throw new IOException("the exporter closed the connection");
    } finally {
      answers.interrupt();
    }
  }

  /**
   * Reads from the channel. Not {@code Channels.newInputStream}: its streams hold the channel's
   * one blocking lock for a read, so a write from the other thread would wait until something
   * arrives.
   */
  private static InputStream inputOf(SocketChannel channel) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
      }
    };
  }

  /** Writes to the channel, whatever a read on another thread waits for. */
  private static OutputStream outputOf(SocketChannel channel) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    };
  }

  /**
   * A THREADS or POOLS frame's text, "key TAB value" lines in key order, within the protocol's
   * limits: a value is cut to {@link Frames#MAX_THREAD_NAME} characters; a line that is not
   * {@link Frames#showable}, and what does not fit in a frame, is left out (those threads are
   * keyed by their comms).
   */
  static <K extends Comparable<K>> String linesText(Map<K, String> values) {
    StringBuilder text = new StringBuilder();
    int bytes = 0;
    for (Map.Entry<K, String> e : new TreeMap<>(values).entrySet()) {
      String key = e.getKey().toString();
      String value = e.getValue();
      if (value.length() > Frames.MAX_THREAD_NAME) {
        value = value.substring(0, Frames.MAX_THREAD_NAME);
      }
      if (key.isEmpty() || value.isEmpty() || !Frames.showable(key)
          || !Frames.showable(value)) {
        continue;
      }
      String line = key + "\t" + value + "\n";
      bytes += line.getBytes(StandardCharsets.UTF_8).length;
      if (bytes >= Frames.MAX_FRAME - 1) {
        break;
      }
      text.append(line);
    }
    return text.toString();
  }

  /** Once: the MBeans stay registered across rejoins, with their last values meanwhile. */
  private void startJmx() {
    if (jmx == null) {
      jmx = new JmxPublisher(new JmxPublisher.Source() {
        @Override
        public Map<LabelSet, Totals> totals() {
          return series.totals();
        }

        @Override
        public Map<LabelSet, Double> timedOut() {
          return series.timedOut();
        }
      });
      jmx.start();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
