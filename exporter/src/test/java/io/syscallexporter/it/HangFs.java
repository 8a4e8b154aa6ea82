package io.syscallexporter.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The FUSE file system of src/test/c/hangfs.c on a new directory: a read of {@link #slowFile}
 * hangs for the given seconds, a real hung read like a dying disk's. Killing the server ends
 * hung reads (the kernel aborts its requests); closing also unmounts.
 */
final class HangFs implements AutoCloseable {
  final Path mnt;
  private final Process server;

  private HangFs(Path mnt, Process server) {
    this.mnt = mnt;
    this.server = server;
  }

  static HangFs mount(int hangSeconds) throws Exception {
    return mount(Integer.toString(hangSeconds));
  }

  /** Every read of {@link #slowFile} takes {@code millis}: slow, not hung. */
  static HangFs mountSlow(int millis) throws Exception {
    return mount(millis + "ms");
  }

  private static HangFs mount(String hang) throws Exception {
    Path mnt = Files.createTempDirectory("hangfs");
    Process server = new ProcessBuilder(TestBinaries.compile("hangfs", "fuse3").toString(),
        hang, mnt.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    HangFs fs = new HangFs(mnt, server);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (Files.readString(Path.of("/proc/mounts")).contains(" " + mnt + " fuse")) {
        return fs;
      }
      Thread.sleep(50);
    }
    fs.close();
    throw new AssertionError("hangfs did not mount on " + mnt);
  }

  Path slowFile() {
    return mnt.resolve("slow");
  }

  /** Ends the server, and with it every read hung in it. */
  void kill() throws InterruptedException {
    server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    kill();
    new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor();
    Files.deleteIfExists(mnt);
  }
}
