package io.syscallexporter.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The page at {@code /}, linking to the metrics; any other unknown path is a 404. */
public final class LandingPage implements HttpHandler {
  private final byte[] page;

  public LandingPage(String telemetryPath) {
    this.page = ("<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        + "<title>syscall_exporter</title></head>\n<body>\n<h1>syscall_exporter</h1>\n"
        + "<p>Per-process, per-syscall latency measured in the kernel with eBPF.</p>\n<ul>\n"
        + "<li><a href=\"" + telemetryPath + "\">Metrics</a></li>\n"
        + "<li><a href=\"/-/healthy\">Health</a></li>\n</ul>\n</body>\n</html>\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      if (!exchange.getRequestURI().getPath().equals("/")) {
        respond(exchange, 404, "text/plain; charset=utf-8", "404 page not found\n");
      } else if (!method.equals("GET") && !method.equals("HEAD")) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(exchange, 405, "text/plain; charset=utf-8", "405 method not allowed\n");
      } else {
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        boolean head = method.equals("HEAD");
        exchange.sendResponseHeaders(200, head ? -1 : page.length);
        if (!head) {
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(page);
          }
        }
      }
    }
  }

  private static void respond(HttpExchange exchange, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
