package io.syscallexporter.http;

import com.google.inject.Inject;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.exporter.httpserver.HttpErrorHandlingPolicy;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.Log;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import java.io.IOException;
import java.net.BindException;
import java.util.concurrent.Executors;

/** Serves the metrics, {@code /-/healthy}, and the {@link Pages}. */
public final class WebServer implements AutoCloseable {
  /**
   * A scrape of 5,000 label sets takes ~30 MiB of heap while it is built and buffered; two at
   * a time fit the 96 MiB heap of scripts/jvm.options, more wait their turn.
   */
  static final int HTTP_THREADS = 2;

  private final ExporterConfig config;
  private final PrometheusRegistry registry;
  private final TimeoutScanner scanner;
  private HTTPServer server;

  @Inject
  public WebServer(ExporterConfig config, PrometheusRegistry registry, TimeoutScanner scanner) {
    this.config = config;
    this.registry = registry;
    this.scanner = scanner;
  }

  /** Starts serving, or throws with a sentence saying what to do about it. */
  public void start() throws IOException {
    HTTPServer.Builder builder = HTTPServer.builder()
        .port(config.listenPort())
        .executorService(Executors.newFixedThreadPool(HTTP_THREADS, r -> {
          Thread t = new Thread(r, "http");
          t.setDaemon(true);
          return t;
        }))
        .registry(registry)
        .metricsHandlerPath(config.telemetryPath())
        .defaultHandler(new Pages(config.telemetryPath(), scanner, System::nanoTime))
        .errorHandlingPolicy(HttpErrorHandlingPolicy.builder()
            .errorReporter(e -> Log.error("scrape failed", "err", String.valueOf(e)))
            .build());
    if (!config.listenHost().isEmpty()) {
      builder.hostname(config.listenHost());
    }
    try {
      server = builder.buildAndStart();
    } catch (BindException e) {
      throw new IOException("cannot listen on " + address() + ": " + e.getMessage()
          + "; stop what is using it or pick another address with --web.listen-address", e);
    }
  }

  /** The port actually bound (differs from the flag when the flag says port 0). */
  public int port() {
    return server.getPort();
  }

  private String address() {
    return config.listenHost() + ":" + config.listenPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop();
    }
  }
}
