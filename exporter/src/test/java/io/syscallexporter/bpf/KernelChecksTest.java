package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelChecksTest {
  @Test
  void refusesKernelsOlderThanTheMinimum() {
    assertThatThrownBy(() -> KernelChecks.requireKernel("5.10.0-28-amd64"))
        .isInstanceOf(BpfException.class).hasMessageContaining("needs Linux 5.11 or later");
    assertThatThrownBy(() -> KernelChecks.requireKernel("4.19.0"))
        .isInstanceOf(BpfException.class);
    assertThatCode(() -> KernelChecks.requireKernel("5.11.0")).doesNotThrowAnyException();
    assertThatCode(() -> KernelChecks.requireKernel("6.18.44-fc")).doesNotThrowAnyException();
    assertThatCode(() -> KernelChecks.requireKernel("unknown")).doesNotThrowAnyException();
  }

  @Test
  void tellsKernelsOlderThanTheTestedOnes() {
    assertThat(KernelChecks.olderThan("6.0.19-amd64", KernelChecks.TESTED_KERNEL)).isTrue();
    assertThat(KernelChecks.olderThan("5.15.0-91-generic", KernelChecks.TESTED_KERNEL)).isTrue();
    assertThat(KernelChecks.olderThan("6.1.0-57-cloud-amd64", KernelChecks.TESTED_KERNEL))
        .isFalse();
    assertThat(KernelChecks.olderThan("10.0", KernelChecks.TESTED_KERNEL)).isFalse();
    assertThat(KernelChecks.olderThan(null, KernelChecks.TESTED_KERNEL)).isFalse();
    assertThatCode(() -> KernelChecks.requireKernel("unparsable")).doesNotThrowAnyException();
  }
}
