package io.syscallexporter.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcFsTest {
  @TempDir
  Path proc;

  @Test
  void readsWchanAndTreatsZeroAndGoneAsUnknown() throws Exception {
    Files.createDirectories(proc.resolve("10/task/11"));
    Files.createDirectories(proc.resolve("10/task/12"));
    Files.writeString(proc.resolve("10/task/11/wchan"), "fuse_wait_answer");
    Files.writeString(proc.resolve("10/task/12/wchan"), "0");
    ProcFs fs = new ProcFs(proc);
    assertThat(fs.wchan(10, 11)).contains("fuse_wait_answer");
    assertThat(fs.wchan(10, 12)).isEmpty();
    assertThat(fs.wchan(10, 13)).isEmpty();
  }
}
