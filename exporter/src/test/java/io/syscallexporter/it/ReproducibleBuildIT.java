package io.syscallexporter.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BPF objects come from the sources alone: building them never reads the build machine's
 * kernel BTF, and the jar carries one for each architecture it supports.
 */
class ReproducibleBuildIT {
  private static final Path BPF = Path.of("../bpf").toAbsolutePath().normalize();

  @TempDir
  Path out;

  @Test
  void buildingTheObjectsNeverReadsTheKernelsBtf() throws Exception {
    Path trace = out.resolve("opens.log");
    String log = TestBinaries.run("strace", "-f", "-qq", "-e", "trace=open,openat,openat2",
        "-o", trace.toString(), "make", "--no-print-directory", "-C", BPF.toString(),
        "OUTPUT=" + out.resolve("build"));
    String opens = Files.readString(trace);
    assertThat(opens).as("files the build opened").contains("syscall_exporter.bpf.c")
        .doesNotContain("/sys/kernel/btf");
    assertThat(out.resolve("build/syscall_exporter.x86_64.bpf.o")).as(log).isNotEmptyFile();
    assertThat(out.resolve("build/syscall_exporter.aarch64.bpf.o")).isNotEmptyFile();
  }

  @Test
  void theJarCarriesBothArchitectures() throws Exception {
    try (JarFile jar = new JarFile(ExporterProcess.JAR.toFile())) {
      assertThat(jar.getEntry("bpf/syscall_exporter.x86_64.bpf.o")).isNotNull();
      assertThat(jar.getEntry("bpf/syscall_exporter.aarch64.bpf.o")).isNotNull();
    }
  }
}
