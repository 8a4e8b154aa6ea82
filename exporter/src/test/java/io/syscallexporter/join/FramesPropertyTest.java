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
      assertThat(f.type()).isBetween(Frames.HELLO, Frames.METRICS);
      assertThat(f.payload().length + 5).isLessThanOrEqualTo(bytes.length);
    } catch (Frames.MalformedException | EOFException e) {
      assertThat(e.getMessage() == null || !e.getMessage().isBlank()).isTrue();
    }
  }

  @Property(tries = 1000)
  void whatIsWrittenIsReadBack(@ForAll @StringLength(max = 2000) String text) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Frames.write(out, Frames.POOLS, text);
    Frames.Frame f = Frames.read(new ByteArrayInputStream(out.toByteArray()));
    assertThat(f.type()).isEqualTo(Frames.POOLS);
    assertThat(f.text()).isEqualTo(text);
  }

  @Property(tries = 3000)
  void anyPoolsTextIsPoolsOrMalformed(@ForAll @StringLength(max = 500) String text) {
    try {
      Map<String, String> pools = AgentSocket.pools(text);
      assertThat(pools.size()).isLessThanOrEqualTo(Frames.MAX_POOLS);
      pools.forEach((key, pool) -> {
        assertThat(key).isNotEmpty().doesNotContain("\t", "\n");
        assertThat(pool).isNotEmpty().hasSizeLessThanOrEqualTo(Frames.MAX_POOL_NAME);
      });
    } catch (Frames.MalformedException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
