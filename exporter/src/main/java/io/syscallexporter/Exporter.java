package io.syscallexporter;

import com.google.inject.Inject;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SlowEventLog;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.http.WebServer;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** The running exporter: kernel programs attached, scanner scheduled, HTTP serving. */
public final class Exporter implements AutoCloseable {
  private final ExporterConfig config;
  private final KernelSource kernel;
  private final TimeoutScanner scanner;
  private final SlowEventLog slowLog;
  private final WebServer web;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "inflight-scan");
        t.setDaemon(true);
        return t;
      });
  private boolean closed;

  @Inject
  Exporter(ExporterConfig config, KernelSource kernel, TimeoutScanner scanner,
      SlowEventLog slowLog, WebServer web) {
    this.config = config;
    this.kernel = kernel;
    this.scanner = scanner;
    this.slowLog = slowLog;
    this.web = web;
  }

  public void start() throws IOException {
    kernel.onSlowEvent(slowLog);
    long interval = config.scanInterval().toNanos();
    scheduler.scheduleAtFixedRate(this::scanSafely, interval, interval, TimeUnit.NANOSECONDS);
    web.start();
  }

  /** One failed scan must not end the schedule (scheduleAtFixedRate stops on a throw). */
  private void scanSafely() {
    try {
      scanner.scan();
    } catch (RuntimeException e) {
      Log.error("in-flight scan failed", "err", e.getMessage());
    }
  }

  public int port() {
    return web.port();
  }

  /**
   * Stops serving and scanning, then detaches the programs. Idempotent: main and the shutdown
   * hook both call it.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    web.close();
    scheduler.shutdownNow();
    if (kernel instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        Log.error("detaching BPF programs failed", "err", e.getMessage());
      }
    }
  }
}
