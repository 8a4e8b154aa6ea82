package io.syscallexporter.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** A kernel comm (TASK_COMM_LEN): up to 16 bytes, NUL-terminated unless it fills them. */
final class Comm {
  private Comm() {}

  static String read(ByteBuffer b, int offset) {
    int len = 0;
    while (len < Layouts.COMM_LEN && b.get(offset + len) != 0) {
      len++;
    }
    return new String(b.array(), b.arrayOffset() + offset, len, StandardCharsets.UTF_8);
  }
}
