package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The deployment files are valid for the tools that read them. */
class DeploymentIT {
  private static final Path DEPLOY = Path.of("../deploy").toAbsolutePath().normalize();
  private static final Path REPO = DEPLOY.getParent();

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

  @Test
  void theKubernetesManifestsMatchTheirSchemas() throws Exception {
    // kubernetes-models from npm: the same schemas kubectl validates against.
    Path work = Path.of("target/k8s-validate").toAbsolutePath();
    Files.createDirectories(work);
    for (String f : List.of("package.json", "validate.mjs")) {
      Files.copy(DEPLOY.resolve("kubernetes").resolve(f), work.resolve(f),
          StandardCopyOption.REPLACE_EXISTING);
    }
    TestBinaries.run("npm", "install", "--prefix", work.toString(), "--no-audit", "--no-fund",
        "--loglevel=error");
    List<String> cmd = new ArrayList<>(List.of("node", work.resolve("validate.mjs").toString()));
    try (var files = Files.list(DEPLOY.resolve("kubernetes"))) {
      files.filter(f -> f.toString().endsWith(".yaml")).sorted()
          .forEach(f -> cmd.add(f.toString()));
    }
    assertThat(cmd).hasSize(6); // daemonset, example-app, podmonitor, serviceaccount
    String out = TestBinaries.run(cmd.toArray(String[]::new));
    assertThat(out).contains("DaemonSet syscall-exporter is valid",
        "ServiceAccount syscall-exporter is valid", "PodMonitor syscall-exporter is valid",
        "Deployment checkout is valid");
    // The scrape example: Debian's promtool is built without Kubernetes discovery and cannot
    // check it, so check its shape.
    Map<String, Object> scrape = Json.map(Json.list(Json.map(Json.parse(Files.readString(
        DEPLOY.resolve("kubernetes/prometheus-scrape.yml")))).get("scrape_configs")).get(0));
    assertThat(Json.map(Json.list(scrape.get("kubernetes_sd_configs")).get(0)))
        .containsEntry("role", "pod");
    assertThat(Json.list(scrape.get("relabel_configs"))).extracting(r -> Json.map(r).get("regex"))
        .contains("syscall-exporter", "metrics");
  }

  @Test
  void theDockerfileCopiesWhatTheBuildMakes() throws Exception {
    List<String> sources = Files.readAllLines(DEPLOY.resolve("docker/Dockerfile")).stream()
        .filter(l -> l.startsWith("COPY ")).map(l -> l.split("\\s+")[1]).toList();
    assertThat(sources).contains("exporter/target/syscall-exporter.jar");
    for (String source : sources) {
      assertThat(REPO.resolve(source)).as("COPY %s", source).isRegularFile();
    }
  }
}
