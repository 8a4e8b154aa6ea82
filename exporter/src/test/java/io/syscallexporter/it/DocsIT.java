package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/metrics.md lists exactly the metrics a real exporter serves: every family on /metrics
 * (with a call timed out, so that the timed-out families are there too) is in its table, and
 * every metric of its table is on /metrics.
 */
class DocsIT {
  private static final Path METRICS_DOC = Path.of("../docs/metrics.md");
  private static final Pattern ROW = Pattern.compile("^\\| `([a-z_]+)` \\|");
  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) ");

  @Test
  void metricsDocListsExactlyWhatMetricsServes() throws Exception {
    KernelRequired.check();
    Set<String> documented = new TreeSet<>();
    for (String line : Files.readAllLines(METRICS_DOC)) {
      Matcher m = ROW.matcher(line);
      if (m.find()) {
        documented.add(m.group(1));
      }
    }
    try (ExporterProcess exporter = ExporterProcess.startWithConfig(
        "timeouts:\n  syscalls:\n    nanosleep: 1s\n", "--scan.interval=200ms")) {
      Workload sleeper = Workload.start(Workload.uniqueName("dm"), "nanosleep", "1", "30000");
      try {
        awaitTrue("a call timed out", 30, () -> exporter.scrape().find("syscall_timed_out",
            "syscall", "nanosleep", "process", sleeper.name) != null);
        Set<String> served = new TreeSet<>();
        for (String line : exporter.get("/metrics", "text/plain").body().split("\n")) {
          Matcher m = TYPE.matcher(line);
          if (m.find()) {
            served.add(m.group(1));
          }
        }
        assertThat(served).as("families on /metrics").hasSizeGreaterThan(20);
        assertThat(documented).as("docs/metrics.md's table").isEqualTo(served);
      } finally {
        sleeper.kill();
      }
    }
  }
}
