package io.syscallexporter.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupPathsTest {
  @TempDir
  Path root;

  private static long ino(Path dir) throws Exception {
    return ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
  }

  @Test
  void namesIdsByTheirDirectoryAndForgetsRemovedOnes() throws Exception {
    Path service = Files.createDirectories(root.resolve("system.slice/nginx.service"));
    AtomicLong now = new AtomicLong();
    CgroupPaths paths = new CgroupPaths(root, now::get);
    assertThat(paths.path(ino(service))).isEqualTo("/system.slice/nginx.service");
    assertThat(paths.path(ino(root))).isEqualTo("/");

    // A cgroup created later is found by the next walk (at most one a second).
    Path pod = Files.createDirectories(root.resolve("kubepods.slice/pod1"));
    assertThat(paths.path(ino(pod))).startsWith("unknown_");
    now.addAndGet(CgroupPaths.RESCAN_NANOS);
    assertThat(paths.path(ino(pod))).isEqualTo("/kubepods.slice/pod1");

    // Removed cgroups leave the map at the next walk: it holds what exists.
    Files.delete(pod);
    Files.delete(root.resolve("kubepods.slice"));
    now.addAndGet(CgroupPaths.RESCAN_NANOS);
    assertThat(paths.path(424242424242L)).isEqualTo("unknown_424242424242");
    assertThat(paths.known()).isEqualTo(3); // root, system.slice, nginx.service
  }

  @Test
  void findsTheCgroup2MountOnHybridAndUnifiedHosts() throws Exception {
    Path mountinfo = root.resolve("mountinfo");
    Files.writeString(mountinfo, String.join("\n",
        "25 30 0:22 / /sys/fs/cgroup ro,nosuid shared:9 - tmpfs tmpfs ro,mode=755",
        "26 25 0:23 / /sys/fs/cgroup/cpu rw,relatime shared:10 - cgroup cgroup rw,cpu",
        "35 25 0:32 / /sys/fs/cgroup/unified rw,relatime shared:19 - cgroup2 cgroup2 rw", ""));
    assertThat(CgroupPaths.cgroup2Mount(mountinfo)).isEqualTo(Path.of("/sys/fs/cgroup/unified"));
    Files.writeString(mountinfo, "29 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");
    assertThat(CgroupPaths.cgroup2Mount(mountinfo)).isEqualTo(Path.of("/sys/fs/cgroup"));
  }
}
