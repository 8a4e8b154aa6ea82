package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.jvm.ThreadPoolRules;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent socket's deadlines and its creation, on real Unix sockets with short deadlines; the
 * kernel is a fake. The hostile clients of AgentSocketAttackIT run against the real exporter.
 */
class AgentSocketTest {
  private static final long MILLIS = 1_000_000L;
  private static final AgentSocket.Deadlines SHORT =
      new AgentSocket.Deadlines(300 * MILLIS, 10_000 * MILLIS, 300 * MILLIS);

  @TempDir
  Path dir;

  private final FakeKernel kernel = new FakeKernel();
  private final JoinStats stats = new JoinStats();
  private final JoinedJvms jvms = new JoinedJvms(kernel, stats, ThreadPoolRules.DEFAULT);
  private AgentSocket socket;

  private Path open() throws IOException {
    Path path = dir.resolve("agent.sock");
    socket = AgentSocket.open(path, jvms, stats, SHORT);
    socket.serve();
    return path;
  }

  @AfterEach
  void close() {
    if (socket != null) {
      socket.close();
    }
  }

  private static ByteBuffer frame(int type, String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length).putInt(payload.length + 1).put((byte) type)
        .put(payload).flip();
  }

  /** Reads until the exporter closes the connection; how long that took, in ms. */
  private static long millisUntilClosed(SocketChannel c) throws IOException {
    long began = System.nanoTime();
    ByteBuffer sink = ByteBuffer.allocate(4096);
    try {
      while (c.read(sink.clear()) >= 0) {
        // what the exporter sends
      }
    } catch (IOException reset) {
      // closed with our bytes unread
    }
    return (System.nanoTime() - began) / MILLIS;
  }

  @Test
  void aHelloDrippedByteByByteIsCutAtItsDeadline() throws Exception {
    Path path = open();
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      ByteBuffer hello = frame(Frames.HELLO, "dripper");
      long began = System.nanoTime();
      // A byte every 100 ms: each read is quick, the frame is not.
      try {
        while (hello.hasRemaining()) {
          c.write(ByteBuffer.wrap(new byte[] {hello.get()}));
          Thread.sleep(100);
        }
      } catch (IOException closed) {
        // cut off while still writing
      }
      millisUntilClosed(c);
      assertThat((System.nanoTime() - began) / MILLIS).isBetween(250L, 1200L);
    }
    assertThat(stats.errors(JoinStats.Error.TIMEOUT)).isEqualTo(1);
    assertThat(jvms.size()).isZero();
  }

  @Test
  void aJvmThatDoesNotReadIsClosedAndLeaves() throws Exception {
    Path path = open();
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(path))) {
      c.write(frame(Frames.HELLO, "mute"));
      ByteBuffer welcome = ByteBuffer.allocate(5);
      while (welcome.hasRemaining()) {
        c.read(welcome);
      }
      assertThat(welcome.get(4)).isEqualTo(Frames.WELCOME);
      assertThat(jvms.size()).isEqualTo(1);
      // Series far bigger than the socket buffers, and a reader that never reads them.
      String big = "x".repeat(2 << 20);
      jvms.publish(pid -> new io.syscallexporter.metrics.JmxPublisher.Source() {
        @Override
        public java.util.Map<io.syscallexporter.metrics.LabelSet,
            io.syscallexporter.metrics.Totals> totals() {
          return java.util.Map.of(new io.syscallexporter.metrics.LabelSet("read", "mute", null,
              null, big), new io.syscallexporter.metrics.Totals());
        }

        @Override
        public java.util.Map<io.syscallexporter.metrics.LabelSet, Double> timedOut() {
          return java.util.Map.of();
        }
      });
      long began = System.nanoTime();
      while (jvms.size() > 0 && System.nanoTime() - began < TimeUnit.SECONDS.toNanos(9)) {
        Thread.sleep(20);
      }
      // At its write deadline, not at the 10 s it may stay silent.
      assertThat(jvms.size()).as("left once its write timed out").isZero();
      assertThat((System.nanoTime() - began) / MILLIS).isLessThan(5000);
    }
    assertThat(stats.errors(JoinStats.Error.TIMEOUT)).isEqualTo(1);
  }

  @Test
  void theSocketIsWorldWritableAndNoLinkIsFollowed() throws Exception {
    Path victim = Files.writeString(dir.resolve("victim"), "secret");
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));
    Files.createSymbolicLink(dir.resolve("agent.sock"), victim);
    Path path = open();
    assertThat(Files.isSymbolicLink(path)).as("the link replaced").isFalse();
    assertThat(Files.getPosixFilePermissions(path))
        .isEqualTo(PosixFilePermissions.fromString("rw-rw-rw-"));
    assertThat(Files.getPosixFilePermissions(victim))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.readString(victim)).isEqualTo("secret");
    try (Stream<Path> left = Files.list(dir)) {
      assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
          "agent.sock", "victim");
    }
  }
}
