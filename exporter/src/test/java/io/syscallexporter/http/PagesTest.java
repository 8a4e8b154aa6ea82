package io.syscallexporter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.Mode;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.config.WebConfigSource;
import io.syscallexporter.process.KernelSymbols;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class PagesTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> get(WebServer web, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + web.port() + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private WebServer server(String... flags) throws Exception {
    ExporterConfig config = Flags.parse(flags);
    TimeoutScanner scanner = new TimeoutScanner(new FakeKernel(),
        SyscallTable.forArch("x86_64"), new ProcFs(), new KernelSymbols(), ThreadNames.HOST,
        config);
    WebServer web = new WebServer(config, Mode.HOST, new PrometheusRegistry(), scanner,
        WebConfigSource.none());
    web.start();
    return web;
  }

  @Test
  void servesTheOnCallViewUnlessTurnedOff() throws Exception {
    try (WebServer on = server("--web.listen-address=127.0.0.1:0")) {
      assertThat(get(on, "/").body()).contains("href=\"/timed-out\"");
      assertThat(get(on, "/timed-out").statusCode()).isEqualTo(200);
      assertThat(get(on, "/api/v1/timed-out").body()).isEqualTo("{\"timed_out\":[]}\n");
      assertThat(get(on, "/-/healthy").statusCode()).isEqualTo(200);
    }
    try (WebServer off = server("--web.listen-address=127.0.0.1:0", "--no-web.timed-out-view")) {
      assertThat(get(off, "/").body()).doesNotContain("timed-out");
      assertThat(get(off, "/timed-out").statusCode()).isEqualTo(404);
      assertThat(get(off, "/api/v1/timed-out").statusCode()).isEqualTo(404);
    }
  }
}
