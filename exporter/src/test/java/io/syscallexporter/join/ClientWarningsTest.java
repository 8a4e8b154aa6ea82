package io.syscallexporter.join;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ClientWarningsTest {
  private final AtomicLong now = new AtomicLong();
  private final List<String> written = new ArrayList<>();
  private final ClientWarnings warnings = new ClientWarnings(now::get, written::add);

  @Test
  void oneUsersFloodDoesNotHideAnothersWarning() {
    for (int i = 0; i < 1000; i++) {
      warnings.warn(666, () -> "flood");
    }
    warnings.warn(1000, () -> "victim");
    assertThat(written).containsExactly("flood", "victim");
    assertThat(warnings.suppressed()).isEqualTo(999);
  }

  @Test
  void manyUsersAtOnceStayWithinTheOverallPace() {
    for (int uid = 0; uid < 1000; uid++) {
      warnings.warn(uid, () -> "line");
    }
    assertThat(written).hasSize(ClientWarnings.IN_ALL);
    now.addAndGet(1_000_000_000L); // a second later, each uid's pace has room again
    warnings.warn(5, () -> "again");
    assertThat(written).endsWith("again");
  }

  @Test
  void aLineSuppressedIsNeverBuilt() {
    warnings.warn(1, () -> "first");
    warnings.warn(1, () -> {
      throw new AssertionError("built");
    });
    assertThat(written).containsExactly("first");
  }
}
