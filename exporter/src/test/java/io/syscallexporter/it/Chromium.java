package io.syscallexporter.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Debian's chromium, headless: what a browser makes of our pages, and a picture of them. */
final class Chromium {
  private Chromium() {}

  private static List<String> command(Path profile, String... args) {
    // The flags keep a headless run off the network this machine does not have.
    List<String> cmd = new ArrayList<>(List.of("chromium", "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The DOM after the browser loaded and rendered the page. */
  static String dumpDom(String url) throws IOException {
    Path profile = Files.createTempDirectory("chromium");
    Process p = new ProcessBuilder(command(profile, "--dump-dom", url)).start();
    String dom = new String(p.getInputStream().readAllBytes());
    waitFor(p);
    return dom;
  }

  static void screenshot(String url, Path png, int width, int height) throws IOException {
    Path profile = Files.createTempDirectory("chromium");
    Process p = new ProcessBuilder(command(profile, "--hide-scrollbars",
        "--window-size=" + width + "," + height, "--screenshot=" + png.toAbsolutePath(), url))
        .redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    waitFor(p);
  }

  private static void waitFor(Process p) throws IOException {
    try {
      p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
