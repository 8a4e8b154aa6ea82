package io.syscallexporter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AgentModeTest {
  @Test
  void agentFlagsAreCommaSeparated() {
    assertThat(AgentMode.flags("--web.listen-address=:9549, --slow.threshold=100ms,"))
        .containsExactly("--web.listen-address=:9549", "--slow.threshold=100ms");
    assertThat(AgentMode.flags(null)).isEmpty();
    assertThat(AgentMode.flags(" ")).isEmpty();
  }
}
