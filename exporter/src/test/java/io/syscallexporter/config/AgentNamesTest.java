package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AgentNamesTest {
  @Test
  void namesAreShortAndPrintable() {
    assertThat(AgentNames.check("checkout-v2")).isEqualTo("checkout-v2");
    assertThat(AgentNames.check("")).isEmpty();
    assertThatThrownBy(() -> AgentNames.check("two words"))
        .hasMessageContaining("1 to 64");
    assertThat(AgentNames.isValid("x".repeat(65))).isFalse();
    assertThat(AgentNames.isValid("<script>")).isFalse();
  }

  @Test
  void theDefaultIsTheMainClassOrTheJarsFileName() {
    assertThat(AgentNames.fromCommand("com.example.Main --port 8080"))
        .isEqualTo("com.example.Main");
    assertThat(AgentNames.fromCommand("/opt/app/checkout.jar serve")).isEqualTo("checkout.jar");
    assertThat(AgentNames.fromCommand("")).isEqualTo("java");
    assertThat(AgentNames.fromCommand("weird name$.jar")).isEqualTo("weird");
    assertThat(AgentNames.fromCommand("a$b")).isEqualTo("a_b");
  }
}
