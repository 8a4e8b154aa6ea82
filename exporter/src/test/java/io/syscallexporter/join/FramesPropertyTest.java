package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/**
 * What any client may send the agent socket: every input is a frame within the limits, the end
 * of the stream, or a malformed frame; never another exception, never more than it said.
 */
class FramesPropertyTest {
  @Property(tries = 3000)
  void anyBytesAreAFrameTheEndOrMalformed(@ForAll @Size(max = 300) byte[] bytes)
      throws IOException {
    try {
      Frames.Frame f = Frames.read(new ByteArrayInputStream(bytes));
      assertThat(f.type()).isBetween(Frames.HELLO, Frames.THREADS);
      assertThat(f.payload().length + 5).isLessThanOrEqualTo(bytes.length);
    } catch (Frames.MalformedException | EOFException e) {
      assertThat(e.getMessage() == null || !e.getMessage().isBlank()).isTrue();
    }
  }

  @Property(tries = 1000)
  void whatIsWrittenIsReadBack(@ForAll @StringLength(max = 2000) String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frames.write(out, Frames.THREADS, text);
    Frames.Frame f = Frames.read(new ByteArrayInputStream(out.toByteArray()));
    assertThat(f.type()).isEqualTo(Frames.THREADS);
    assertThat(f.text()).isEqualTo(text);
  }

  @Property(tries = 3000)
  void anyThreadsTextIsThreadsOrMalformed(@ForAll @StringLength(max = 500) String text) {
    try {
      Map<Integer, String> threads = AgentSocket.threads(text);
      assertThat(threads.size()).isLessThanOrEqualTo(Frames.MAX_THREADS);
      threads.forEach((tid, name) -> {
        assertThat(tid).isPositive();
        assertThat(name).isNotEmpty().hasSizeLessThanOrEqualTo(Frames.MAX_THREAD_NAME)
            .doesNotContain("\t", "\n");
      });
    } catch (Frames.MalformedException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  /** What the agent writes, from any thread names at all, the exporter reads back. */
  @Property(tries = 1000)
  void anyNamesTheAgentSendsAreReadBack(@ForAll Map<@IntRange(min = 1) Integer,
      @StringLength(min = 1, max = 300) String> names) throws Exception {
    Map<Integer, String> read = AgentSocket.threads(JoinClient.linesText(names));
    read.forEach((tid, name) -> assertThat(names.get(tid)).startsWith(name));
  }

  /** And the pools its comm keys stand for, whatever the keys and pools. */
  @Property(tries = 1000)
  void anyPoolsTheAgentSendsAreReadBack(@ForAll Map<@StringLength(min = 1, max = 15) String,
      @StringLength(min = 1, max = 300) String> pools) throws Exception {
    Map<String, String> read = AgentSocket.pools(JoinClient.linesText(pools));
    read.forEach((key, pool) -> assertThat(pools.get(key)).startsWith(pool));
  }
}
