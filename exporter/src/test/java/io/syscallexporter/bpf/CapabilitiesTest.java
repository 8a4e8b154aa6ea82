package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CapabilitiesTest {
  @Test
  void bpfAndPerfmonOrSysAdminAreEnough() {
    assertThat(Capabilities.hasBpf(0)).isFalse();
    assertThat(Capabilities.hasBpf(1L << Capabilities.CAP_BPF)).isFalse();
    assertThat(Capabilities.hasBpf((1L << Capabilities.CAP_BPF)
        | (1L << Capabilities.CAP_PERFMON))).isTrue();
    assertThat(Capabilities.hasBpf(1L << Capabilities.CAP_SYS_ADMIN)).isTrue();
  }

  @Test
  void readsTheEffectiveSet() {
    assertThat(Capabilities.parseCapEff("Name:\tx\nCapInh:\t0\nCapEff:\t000001ffffffffff\n"))
        .isEqualTo(0x1ffffffffffL);
  }
}
