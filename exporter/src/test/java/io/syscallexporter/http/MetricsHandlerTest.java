package io.syscallexporter.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
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
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class MetricsHandlerTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void readsNameParametersAndGzipPreference() {
    assertThat(MetricsHandler.names("name[]=a_total&x=1&name%5B%5D=b")).containsExactly("a_total",
        "b");
    assertThat(MetricsHandler.names(null)).isEmpty();
    assertThat(MetricsHandler.acceptsGzip("gzip")).isTrue();
    assertThat(MetricsHandler.acceptsGzip("deflate, gzip;q=0.5")).isTrue();
    assertThat(MetricsHandler.acceptsGzip("gzip;q=0")).isFalse();
    assertThat(MetricsHandler.acceptsGzip("identity")).isFalse();
    assertThat(MetricsHandler.acceptsGzip(null)).isFalse();
  }

  @Test
  void streamsPlainOrGzippedAndFiltersByName() throws Exception {
    ExporterConfig config = Flags.parse("--web.listen-address=127.0.0.1:0");
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("first_total").help("a").register(registry).inc(3);
    Counter.builder().name("second_total").help("b").register(registry).inc(5);
    TimeoutScanner scanner = new TimeoutScanner(new FakeKernel(),
        SyscallTable.forArch("x86_64"), new ProcFs(), new KernelSymbols(), ThreadNames.HOST,
        config);
    try (WebServer web = new WebServer(config, Mode.HOST, registry, scanner,
        WebConfigSource.none())) {
      web.start();
      String base = "http://127.0.0.1:" + web.port();

      HttpResponse<String> plain = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(plain.statusCode()).isEqualTo(200);
      assertThat(plain.body()).contains("first_total 3.0", "second_total 5.0");

      HttpResponse<byte[]> zipped = http.send(HttpRequest.newBuilder(
          URI.create(base + "/metrics?name[]=second_total")).header("Accept-Encoding", "gzip")
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(zipped.headers().firstValue("Content-Encoding")).contains("gzip");
      String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(zipped.body()))
          .readAllBytes(), StandardCharsets.UTF_8);
      assertThat(unzipped).contains("second_total 5.0").doesNotContain("first_total");

      assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/metricsx")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    }
  }
}
