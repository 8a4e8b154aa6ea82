package io.syscallexporter.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcFsTest {
  private final ProcFs proc = new ProcFs();

  @Test
  void tellsFilesFromWaitsByDesign() {
    assertThat(proc.isFile("/var/lib/db/wal")).isTrue();
    assertThat(proc.isFile("/var/lib/db/old (deleted)")).isTrue();
    assertThat(proc.isFile("/dev/shm/queue")).isTrue();
    assertThat(proc.isFile("socket:[12345]")).isFalse();
    assertThat(proc.isFile("pipe:[678]")).isFalse();
    assertThat(proc.isFile("anon_inode:[eventfd]")).isFalse();
    assertThat(proc.isFile("/dev/null")).isFalse(); // a character device
  }

  @Test
  void readsThisProcess() {
    int pid = (int) ProcessHandle.current().pid();
    assertThat(proc.process(pid)).contains("java");
    assertThat(proc.fdTarget(pid, pid, 0)).isPresent();
    assertThat(proc.process(Integer.MAX_VALUE)).isEmpty();
  }
}
