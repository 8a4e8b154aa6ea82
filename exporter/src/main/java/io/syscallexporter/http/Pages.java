package io.syscallexporter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.syscallexporter.collect.TimedOutCall;
import io.syscallexporter.collect.TimeoutScanner;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Every path but the metrics: the landing page at {@code /}, health at {@code /-/healthy}, and
 * the on-call view of syscalls past their timeout as HTML ({@code /timed-out}) and JSON
 * ({@code /api/v1/timed-out}). Anything else is a 404.
 */
public final class Pages implements HttpHandler {
  static final String TIMED_OUT = "/timed-out";
  static final String TIMED_OUT_JSON = "/api/v1/timed-out";
  static final String HEALTHY = "/-/healthy";

  private final String about;
  private final String telemetryPath;
  private final boolean timedOutView;
  private final TimeoutScanner scanner;
  private final LongSupplier monotonicNanos;

  /**
   * {@code about}: one sentence on what this exporter measures, for the landing page. {@code
   * timedOutView} false: the on-call view is a 404 (--no-web.timed-out-view, or a joined agent,
   * whose stuck calls the host exporter shows), and {@code scanner} may be null.
   */
  public Pages(String about, String telemetryPath, boolean timedOutView, TimeoutScanner scanner,
      LongSupplier monotonicNanos) {
    this.about = about;
    this.telemetryPath = telemetryPath;
    this.timedOutView = timedOutView;
    this.scanner = scanner;
    this.monotonicNanos = monotonicNanos;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getPath();
      String type = switch (path) {
        case "/" -> "text/html; charset=utf-8";
        case TIMED_OUT -> timedOutView ? "text/html; charset=utf-8" : null;
        case TIMED_OUT_JSON -> timedOutView ? "application/json" : null;
        case HEALTHY -> "text/plain; charset=utf-8";
        default -> null;
      };
      if (type == null) {
        respond(exchange, 404, "text/plain; charset=utf-8", "404 page not found\n", false);
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "405 method not allowed\n", false);
      } else {
        respond(exchange, 200, type, render(path), method.equals("HEAD"));
      }
    }
  }

  /** Renders a known page; only after the request is known to be one we answer. */
  private String render(String path) {
    return switch (path) {
      case TIMED_OUT -> TimedOutView.html(scanner.timedOut(), monotonicNanos.getAsLong());
      case TIMED_OUT_JSON -> TimedOutView.json(scanner.timedOut(), monotonicNanos.getAsLong());
      case HEALTHY -> "Exporter is healthy.\n";
      default -> landing();
    };
  }

  private String landing() {
    List<TimedOutCall> stuck = timedOutView ? scanner.timedOut() : List.of();
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        + "<title>syscall_exporter</title></head>\n<body>\n<h1>syscall_exporter</h1>\n"
        + "<p>" + TimedOutView.escape(about) + "</p>\n<ul>\n"
        + "<li><a href=\"" + TimedOutView.escape(telemetryPath) + "\">Metrics</a></li>\n"
        + (timedOutView ? "<li><a href=\"" + TIMED_OUT + "\">Syscalls stuck past their"
            + " timeout</a> (" + stuck.size() + " now; <a href=\"" + TIMED_OUT_JSON
            + "\">JSON</a>)</li>\n" : "")
        + "<li><a href=\"/-/healthy\">Health</a></li>\n</ul>\n</body>\n</html>\n";
  }

  static void respond(HttpExchange exchange, int status, String type, String body,
      boolean head) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }
}
