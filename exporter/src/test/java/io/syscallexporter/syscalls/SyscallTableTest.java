package io.syscallexporter.syscalls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SyscallTableTest {
  @Test
  void namesX86Syscalls() {
    SyscallTable t = SyscallTable.forArch("amd64");
    assertThat(t.arch()).isEqualTo("x86_64");
    assertThat(t.name(0)).isEqualTo("read");
    assertThat(t.name(35)).isEqualTo("nanosleep");
    assertThat(t.name(110)).isEqualTo("getppid");
    assertThat(t.name(202)).isEqualTo("futex");
    assertThat(t.name(455)).isEqualTo("futex_wait");
    assertThat(t.number("fsync")).contains(74);
  }

  @Test
  void namesArm64Syscalls() {
    SyscallTable t = SyscallTable.forArch("aarch64");
    assertThat(t.name(63)).isEqualTo("read");
    assertThat(t.name(80)).isEqualTo("fstat");
    assertThat(t.name(101)).isEqualTo("nanosleep");
    assertThat(t.name(173)).isEqualTo("getppid");
  }

  @Test
  void unknownNumbersGetAStableName() {
    SyscallTable t = SyscallTable.forArch("x86_64");
    assertThat(t.name(9999)).isEqualTo("unknown_9999");
    assertThat(t.name(-1)).isEqualTo("unknown_4294967295");
    assertThatThrownBy(() -> SyscallTable.forArch("s390x")).hasMessageContaining("s390x");
  }
}
