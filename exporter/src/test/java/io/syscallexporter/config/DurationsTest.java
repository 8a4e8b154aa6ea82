package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class DurationsTest {
  /** Any text: a duration that means exactly what it says, or an IllegalArgumentException. */
  @Property(tries = 2000)
  void anyTextParsesOrIsRefusedClearly(@ForAll String text) {
    try {
      Duration d = Durations.parse(text);
      assertThat(d.isNegative()).isFalse();
      assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  /** Text made of duration parts, the likeliest to be almost right. */
  @Property(tries = 2000)
  void durationLikeTextParsesOrIsRefusedClearly(@ForAll("durationLike") String text) {
    anyTextParsesOrIsRefusedClearly(text);
  }

  @Provide
  Arbitrary<String> durationLike() {
    return Arbitraries.strings().withChars("0123456789.smhunµ ")
        .ofMinLength(1).ofMaxLength(30);
  }

  @Property
  void formatAndParseRoundTrip(
      @ForAll @LongRange(min = 0, max = 365L * 24 * 3600 * 1_000_000_000L) long nanos) {
    Duration d = Duration.ofNanos(nanos);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }

  @Test
  void parsesGoStyleDurations() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
    assertThat(Durations.parse("1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void rejectsWhatIsNotADuration() {
    assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> Durations.parse("soon")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> Durations.parse("5s later")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("empty");
    // Too big for a duration: refused, not clamped to some other value.
    assertThatThrownBy(() -> Durations.parse("99999999999999999h")).hasMessageContaining("too long");
    assertThatThrownBy(() -> Durations.parse("1" + "0".repeat(400) + "s"))
        .hasMessageContaining("too long");
  }

  @Test
  void formatsTheShortestForm() {
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ofSeconds(120))).isEqualTo("2m");
    assertThat(Durations.format(Duration.ofNanos(1500))).isEqualTo("1500ns");
  }
}
