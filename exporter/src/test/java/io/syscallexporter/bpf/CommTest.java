package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class CommTest {
  @Test
  void decodesCommNames() {
    ByteBuffer b = ByteBuffer.allocate(40);
    b.put(8, "backup".getBytes());
    assertThat(Comm.read(b, 8)).isEqualTo("backup");
    b.put(20, "sixteen-bytes-xy".getBytes()); // no NUL: the comm fills its 16 bytes
    b.put(36, (byte) 'z');
    assertThat(Comm.read(b, 20)).isEqualTo("sixteen-bytes-xy");
  }
}
