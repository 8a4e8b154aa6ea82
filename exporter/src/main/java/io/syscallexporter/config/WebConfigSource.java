package io.syscallexporter.config;

import io.syscallexporter.Log;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The current {@link WebConfig}, re-read when its file changes. A bad file at start ends the
 * exporter (exit 2, from {@link #load}); a bad file later is logged and counted, and the last
 * good config stays in force.
 */
public final class WebConfigSource {
  private final Path file;
  private final List<Consumer<WebConfig>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile WebConfig current;
  private byte[] lastContent;

  private WebConfigSource(Path file, WebConfig first, byte[] content) {
    this.file = file;
    this.current = first;
    this.lastContent = content;
  }

  /** No file: no TLS, no authentication, nothing to re-read. */
  public static WebConfigSource none() {
    return new WebConfigSource(null, WebConfig.NONE, null);
  }

  /** Reads the file once, or throws the error that names what is wrong in it. */
  public static WebConfigSource load(Path file) throws UsageException {
    byte[] content = read(file);
    WebConfig config = WebConfig.read(file);
    config.ignored().forEach(key -> Log.warn("web config key ignored: the JDK's defaults apply",
        "file", file, "key", key));
    return new WebConfigSource(file, config, content);
  }

  private static byte[] read(Path file) throws UsageException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UsageException("cannot read web config file " + file + ": " + e.getMessage());
    }
  }

  public WebConfig current() {
    return current;
  }

  /** Called with each new config after a successful reload (not with the first). */
  public void onChange(Consumer<WebConfig> listener) {
    listeners.add(listener);
  }

  /**
   * Re-reads the file if its content changed since the last look; called periodically. A
   * change the running server cannot take (TLS switched on or off) fails like a bad file.
   */
  public synchronized void reloadIfChanged() {
    if (file == null) {
      return;
    }
    try {
      byte[] content = read(file);
      if (Arrays.equals(content, lastContent)) {
        return;
      }
      lastContent = content;
      WebConfig next = WebConfig.read(file);
      if ((next.tls() == null) != (current.tls() == null)) {
        throw new UsageException("web config file " + file + ": tls_server_config was "
            + (next.tls() == null ? "removed" : "added") + "; switching TLS on or off needs a"
            + " restart");
      }
      for (Consumer<WebConfig> l : listeners) {
        l.accept(next); // may throw: a certificate that does not load
      }
      current = next;
      reloads.incrementAndGet();
      Log.info("web config reloaded", "file", file);
    } catch (UsageException | RuntimeException e) {
      failures.incrementAndGet();
      Log.error("web config not reloaded: the last good one stays in force", "err",
          e.getMessage());
    }
  }

  public long reloads() {
    return reloads.get();
  }

  public long reloadFailures() {
    return failures.get();
  }
}
