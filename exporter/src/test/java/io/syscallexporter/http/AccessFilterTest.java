package io.syscallexporter.http;

import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import io.syscallexporter.config.WebConfig;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AccessFilterTest {
  /** Cost 10: tens of milliseconds a check on any machine, microseconds without one. */
  private static final Map<String, String> USERS = Map.of("prometheus",
      BCrypt.withDefaults().hashToString(10, "secret".toCharArray()));

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  private static long millisToCheck(AccessFilter filter, String authorization) {
    long t0 = System.nanoTime();
    assertThat(filter.allowed(USERS, authorization)).isFalse();
    return (System.nanoTime() - t0) / 1_000_000;
  }

  @Test
  void anUnknownUserCostsABcryptCheckLikeAWrongPassword() {
    AccessFilter filter = new AccessFilter(WebConfig.NONE);
    assertThat(filter.allowed(USERS, basic("prometheus", "secret"))).isTrue();
    // Not a timing comparison: a bcrypt check at cost 10 is never under 10 ms, and a map
    // lookup alone (the user name leak) is never over.
    assertThat(millisToCheck(filter, basic("prometheus", "wrong"))).isGreaterThanOrEqualTo(10);
    assertThat(millisToCheck(filter, basic("nobody", "secret"))).isGreaterThanOrEqualTo(10);
    assertThat(filter.allowed(USERS, null)).isFalse();
    assertThat(filter.allowed(USERS, "Basic !!")).isFalse();
  }
}
