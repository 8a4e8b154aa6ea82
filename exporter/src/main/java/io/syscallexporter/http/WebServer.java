package io.syscallexporter.http;

import com.google.inject.Inject;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Serves the metrics ({@link MetricsHandler}) and the {@link Pages}. */
public final class WebServer implements AutoCloseable {
  /**
   * A scrape of 5,000 label sets takes ~15 MiB of heap while its snapshot is built and
   * streamed; two at a time fit the heap of scripts/jvm.options, more wait their turn.
   */
  static final int HTTP_THREADS = 2;

  private final ExporterConfig config;
  private final PrometheusRegistry registry;
  private final TimeoutScanner scanner;
  private HttpServer server;
  private ExecutorService executor;

  @Inject
  public WebServer(ExporterConfig config, PrometheusRegistry registry, TimeoutScanner scanner) {
    this.config = config;
    this.registry = registry;
    this.scanner = scanner;
  }

  /** Starts serving, or throws with a sentence saying what to do about it. */
  public void start() throws IOException {
    InetSocketAddress address = config.listenHost().isEmpty()
        ? new InetSocketAddress(config.listenPort())
        : new InetSocketAddress(config.listenHost(), config.listenPort());
    try {
      server = HttpServer.create(address, 0);
    } catch (BindException e) {
      throw new IOException("cannot listen on " + address() + ": " + e.getMessage()
          + "; stop what is using it or pick another address with --web.listen-address", e);
    }
    server.createContext("/", new Pages(config.telemetryPath(), scanner, System::nanoTime));
    server.createContext(config.telemetryPath(),
        new MetricsHandler(config.telemetryPath(), registry));
    executor = Executors.newFixedThreadPool(HTTP_THREADS, r -> {
      Thread t = new Thread(r, "http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.start();
  }

  /** The port actually bound (differs from the flag when the flag says port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private String address() {
    return config.listenHost() + ":" + config.listenPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.stop(0);
      executor.shutdownNow();
    }
  }
}
