package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FdPathRecordsTest {
  /** Records as fd_path_of writes them: tid, fd, then the path up to its NUL. */
  private static ByteBuffer records(Object... tidAndPath) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < tidAndPath.length; i += 2) {
      ByteBuffer head = ByteBuffer.allocate(Layouts.FdPath.PATH).order(ByteOrder.nativeOrder())
          .putInt(Layouts.FdPath.TID, (Integer) tidAndPath[i]).putInt(Layouts.FdPath.FD, 3);
      out.writeBytes(head.array());
      out.writeBytes(((String) tidAndPath[i + 1]).getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.nativeOrder());
  }

  @Test
  void aThreadsOwnFileTableWinsOverItsProcesss() {
    ByteBuffer b = records(10, "/data/shared.db", 12, "/data/own-table.db");
    assertThat(FdPathRecords.pathOf(b, 10, 12)).contains("/data/own-table.db");
    assertThat(FdPathRecords.pathOf(b, 10, 11)).contains("/data/shared.db");
  }

  @Test
  void nothingForAnotherProcessOrNoRecords() {
    assertThat(FdPathRecords.pathOf(records(20, "/other"), 10, 11)).isEmpty();
    assertThat(FdPathRecords.pathOf(records(), 10, 11)).isEmpty();
  }

  @Test
  void readsPathsOfAnyLengthAndUtf8() {
    String deep = "/mnt/" + "d/".repeat(1000) + "Störung.log";
    assertThat(FdPathRecords.pathOf(records(10, deep), 10, 10)).contains(deep);
  }
}
