package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The deployment files are valid for the tools that read them. */
class DeploymentIT {
  @Test
  void theSystemdUnitVerifiesCleanly() throws Exception {
    Process p = new ProcessBuilder("systemd-analyze", "verify", ExporterProcess.UNIT.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    // Unknown keys are only warnings: any output at all fails the test.
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).isEmpty();
  }

  @Test
  void theUnitGrantsNoMoreThanTheExporterKeeps() throws Exception {
    String unit = String.join("\n", Files.readAllLines(ExporterProcess.UNIT).stream()
        .filter(l -> !l.startsWith("#")).toList()) + "\n";
    assertThat(unit).contains("AmbientCapabilities=CAP_BPF CAP_PERFMON CAP_SYSLOG\n",
        "CapabilityBoundingSet=CAP_BPF CAP_PERFMON CAP_SYSLOG\n", "DynamicUser=yes\n",
        "NoNewPrivileges=yes\n", "ProtectSystem=strict\n", "ProtectHome=yes\n",
        "PrivateTmp=yes\n", "MemoryMax=").doesNotContain("CAP_SYS_ADMIN");
  }
}
