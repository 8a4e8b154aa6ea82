package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlagsTest {
  @Test
  void defaults() throws Exception {
    ExporterConfig c = Flags.parse();
    assertThat(c.listenHost()).isEmpty();
    assertThat(c.listenPort()).isEqualTo(9548);
    assertThat(c.telemetryPath()).isEqualTo("/metrics");
    assertThat(c.slowThreshold()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.syscallTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.scanInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.perPidLabels()).isFalse();
    assertThat(c.slowAll()).isFalse();
    assertThat(c.drainInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.labelIdleTimeout()).isEqualTo(Duration.ofMinutes(15));
    assertThat(c.labelLimit()).isEqualTo(5000);
  }

  @Test
  void takesBothFlagForms() throws Exception {
    ExporterConfig c = Flags.parse("--web.listen-address", "127.0.0.1:1234",
        "--slow.threshold=500ms", "--labels.pid", "--scan.interval=250ms",
        "--web.telemetry-path=/m");
    assertThat(c.listenHost()).isEqualTo("127.0.0.1");
    assertThat(c.listenPort()).isEqualTo(1234);
    assertThat(c.slowThreshold()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.perPidLabels()).isTrue();
    assertThat(c.scanInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.telemetryPath()).isEqualTo("/m");
    assertThat(Flags.parse("--labels.pid", "--no-labels.pid").perPidLabels()).isFalse();
    assertThat(Flags.parse("--slow.all").slowAll()).isTrue();
    assertThat(Flags.parse("--web.listen-address=[::1]:9").listenHost()).isEqualTo("::1");
  }

  @Test
  void idleTimeoutMustCoverADrain() {
    assertThatThrownBy(() -> Flags.parse("--drain.interval=5s", "--labels.idle-timeout=2s"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--labels.idle-timeout (2s) must be at least --drain.interval (5s)");
  }

  @Test
  void badInputSaysWhatIsWrong() {
    assertThatThrownBy(() -> Flags.parse("--nope")).isInstanceOf(UsageException.class)
        .hasMessage("unknown flag --nope");
    assertThatThrownBy(() -> Flags.parse("--syscall.timeout=0s"))
        .hasMessageContaining("--syscall.timeout").hasMessageContaining("more than 0");
    assertThatThrownBy(() -> Flags.parse("--scan.interval=1ms"))
        .hasMessageContaining("at least 10ms");
    assertThatThrownBy(() -> Flags.parse("--web.listen-address=9548"))
        .hasMessageContaining("not host:port");
    assertThatThrownBy(() -> Flags.parse("--web.listen-address=:99999"))
        .hasMessageContaining("outside 0-65535");
    assertThatThrownBy(() -> Flags.parse("--labels.limit=many"))
        .hasMessageContaining("not a whole number");
    assertThatThrownBy(() -> Flags.parse("--labels.pid=yes")).hasMessageContaining("true or false");
    assertThatThrownBy(() -> Flags.parse("--slow.threshold")).hasMessageContaining("needs a value");
    assertThatThrownBy(() -> Flags.parse("stray")).hasMessageContaining("unexpected argument");
    assertThatThrownBy(() -> Flags.parse("--web.telemetry-path=/"))
        .hasMessageContaining("landing page");
  }

  @Test
  void helpIsRequestedNotAnError() {
    assertThatThrownBy(() -> Flags.parse("--help")).isInstanceOf(Flags.HelpRequested.class);
    assertThat(Flags.usage()).contains("--web.listen-address=host:port", "(default: :9548)",
        "--labels.pid");
  }
}
