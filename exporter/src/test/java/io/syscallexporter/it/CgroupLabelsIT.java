package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** --labels.cgroup: calls are labelled with their cgroup v2 path, through cgroup churn. */
class CgroupLabelsIT {
  @Test
  void callsAreLabelledWithTheirCgroupAndChurnStaysBounded() throws Exception {
    KernelRequired.check();
    Path mount = cgroup2Mount();
    String demo = Workload.uniqueName("demo");
    Path cgroup = Files.createDirectory(mount.resolve(demo));
    try (ExporterProcess exporter = ExporterProcess.start("--labels.cgroup")) {
      String name = Workload.uniqueName("cg");
      runIn(cgroup, name, "getppid", 10_000);
      assertThat(exporter.scrape().value("syscall_duration_seconds_count", "cgroup", "/" + demo,
          "process", name, "syscall", "getppid")).isEqualTo(10_000);

      // 1,000 cgroups created, used and removed, one after another, as on a busy node. Each
      // brings ~40 label sets (the shell's and the loader's calls too): most go to _other. They
      // call getcpu, which no other program on the host calls (shells call getppid), so what
      // _other gains of it is theirs.
      MetricsText before = exporter.scrape();
      double cachedBefore = before.value("syscall_exporter_cgroup_paths");
      double otherBefore = otherGetcpu(before);
      String churn = Workload.uniqueName("ch");
      for (int i = 0; i < 1000; i++) {
        Path c = Files.createDirectory(mount.resolve(churn + "_" + i));
        runIn(c, churn, "getcpu", 10);
        Files.delete(c);
      }
      Thread.sleep(1100); // past the path cache's rescan limit
      runIn(cgroup, name, "getppid", 1); // a lookup that walks the tree again
      MetricsText m = exporter.scrape();
      double counted = m.samples("syscall_duration_seconds_count").stream()
          .filter(s -> s.labels().get("syscall").equals("getcpu"))
          .filter(s -> s.labels().get("process").equals(churn))
          .mapToDouble(MetricsText.Sample::value).sum() + otherGetcpu(m) - otherBefore;
      assertThat(counted).as("getcpu calls in 1,000 removed cgroups, own series or _other")
          .isEqualTo(10_000);
      assertThat(m.value("syscall_exporter_cgroup_paths")).as("cgroup paths cached")
          .isLessThanOrEqualTo(cachedBefore + 10);
      assertThat(m.value("syscall_exporter_map_update_failures_total", "map", "hist")).isZero();
    } finally {
      Files.deleteIfExists(cgroup);
    }
  }

  private static double otherGetcpu(MetricsText m) {
    Double v = m.find("syscall_duration_seconds_count", "cgroup", "_other", "process", "_other",
        "syscall", "getcpu");
    return v == null ? 0 : v;
  }

  /**
   * Runs the workload's loop of {@code syscall} inside a cgroup: the shell moves itself, then
   * execs it.
   */
  private static void runIn(Path cgroup, String name, String syscall, int calls)
      throws Exception {
    Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + cgroup.resolve("cgroup.procs")
        + " && exec " + TestBinaries.compile("workload") + " " + name + " " + syscall + " "
        + calls)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
  }

  private static Path cgroup2Mount() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      String[] halves = line.split(" - ", 2);
      if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
        return Path.of(halves[0].split(" ")[4]);
      }
    }
    throw new AssertionError("no cgroup2 mount");
  }
}
