package io.syscallexporter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MetricNameFilter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.syscallexporter.Log;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The metrics endpoint: a fresh snapshot per request, in the format the {@code Accept} header
 * asks for (Prometheus text, OpenMetrics, or protobuf with native histograms), optionally only
 * the families named by {@code name[]} parameters. The response is streamed, gzip-compressed
 * at the fastest level when the client accepts it (Prometheus does): a scrape of thousands of
 * label sets is never held whole in memory, and compression costs little time.
 */
final class MetricsHandler implements HttpHandler {
  private static final int BUFFER = 64 * 1024;
  /**
   * Scrapes built at once: one of 5,000 label sets takes ~15 MiB of heap while its snapshot is
   * built and streamed; two fit the heap of scripts/jvm.options, more wait their turn.
   */
  static final int CONCURRENT_SCRAPES = 2;

  private final Semaphore scrapes = new Semaphore(CONCURRENT_SCRAPES, true);
  private final String path;
  private final PrometheusRegistry registry;
  private final ExpositionFormats formats = ExpositionFormats.init();

  MetricsHandler(String path, PrometheusRegistry registry) {
    this.path = path;
    this.registry = registry;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals(path)) { // the context matches prefixes
        Pages.respond(exchange, 404, "text/plain; charset=utf-8", "404 page not found\n", false);
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        Pages.respond(exchange, 405, "text/plain; charset=utf-8", "405 method not allowed\n",
            false);
        return;
      }
      scrapes.acquireUninterruptibly();
      try {
        serve(exchange, method);
      } finally {
        scrapes.release();
      }
    }
  }

  private void serve(HttpExchange exchange, String method) throws IOException {
    List<String> names = names(exchange.getRequestURI().getRawQuery());
    MetricSnapshots snapshots;
    try {
      snapshots = names.isEmpty() ? registry.scrape()
          : registry.scrape(MetricNameFilter.builder().nameMustBeEqualTo(names).build());
    } catch (RuntimeException e) {
      Log.error("scrape failed", "err", String.valueOf(e));
      Pages.respond(exchange, 500, "text/plain; charset=utf-8",
          "500 scrape failed: " + e.getMessage() + "\n", false);
      return;
    }
    ExpositionFormatWriter writer = formats.findWriter(
        exchange.getRequestHeaders().getFirst("Accept"));
    exchange.getResponseHeaders().set("Content-Type", writer.getContentType());
    boolean gzip = acceptsGzip(exchange.getRequestHeaders().getFirst("Accept-Encoding"));
    if (gzip) {
      exchange.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    if (method.equals("HEAD")) {
      exchange.sendResponseHeaders(200, -1);
      return;
    }
    exchange.sendResponseHeaders(200, 0); // length unknown: chunked
    OutputStream body = exchange.getResponseBody();
    try (OutputStream out = gzip ? new FastGzip(body) : new BufferedOutputStream(body, BUFFER)) {
      writer.write(out, snapshots);
    }
  }

  /** The values of {@code name[]} parameters. */
  static List<String> names(String rawQuery) {
    List<String> names = new ArrayList<>();
    if (rawQuery == null) {
      return names;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8)
          .equals("name[]")) {
        names.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return names;
  }

  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.split(",")) {
      String[] parts = coding.trim().split(";");
      if (parts[0].trim().equalsIgnoreCase("gzip")
          && !(parts.length > 1 && parts[1].trim().replace(" ", "").equals("q=0"))) {
        return true;
      }
    }
    return false;
  }

  /** gzip at the fastest level: about a third of the default level's time. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, BUFFER);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
