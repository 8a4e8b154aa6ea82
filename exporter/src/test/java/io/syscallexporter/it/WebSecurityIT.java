package io.syscallexporter.it;

import static io.syscallexporter.it.Await.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import at.favre.lib.crypto.bcrypt.BCrypt;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --web.config.file in the exporter-toolkit format, against Debian's Prometheus: TLS, basic
 * auth with bcrypt, response headers, client certificates, and reloads.
 */
class WebSecurityIT {
  private static final String PASSWORD = "s3cret pass";

  @TempDir
  Path dir;

  @Test
  void prometheusScrapesOverTlsWithBasicAuthAndEverythingElseIsRefused() throws Exception {
    KernelRequired.check();
    certificates();
    String hash = BCrypt.withDefaults().hashToString(10, PASSWORD.toCharArray());
    Path web = dir.resolve("web.yml");
    Files.writeString(web, webConfig(hash, ""));
    SSLContext tlsContext = trusting(dir.resolve("ca.crt"));
    HttpClient tls = HttpClient.newBuilder().sslContext(tlsContext)
        .connectTimeout(Duration.ofSeconds(5)).build();
    ExporterProcess.Client client = new ExporterProcess.Client("https", tls, basic("prom",
        PASSWORD));
    try (ExporterProcess exporter = ExporterProcess.start(client,
        "--web.config.file=" + web)) {
      String url = exporter.url("/metrics");
      // Without credentials, or with a wrong password: 401, with a challenge.
      HttpResponse<String> anonymous = send(tls, url, null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          v -> assertThat(v).startsWith("Basic"));
      assertThat(send(tls, url, basic("prom", "wrong")).statusCode()).isEqualTo(401);
      assertThat(send(tls, exporter.url("/timed-out"), null).statusCode())
          .as("the on-call view is behind the same auth").isEqualTo(401);
      HttpResponse<String> ok = send(tls, url, basic("prom", PASSWORD));
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("X-Frame-Options")).contains("deny");
      // Plain HTTP on the TLS port gets no metrics.
      assertThat(plainHttp(exporter.port)).doesNotContain("syscall_");

      // The real Prometheus, with its own tls_config and basic_auth.
      int promPort = ExporterProcess.freePort();
      Files.writeString(dir.resolve("pw"), PASSWORD);
      Files.writeString(dir.resolve("prometheus.yml"), "global:\n  scrape_interval: 1s\n"
          + "scrape_configs:\n  - job_name: secure\n    scheme: https\n"
          + "    static_configs: [{targets: ['127.0.0.1:" + exporter.port + "']}]\n"
          + "    basic_auth: {username: prom, password_file: " + dir.resolve("pw") + "}\n"
          + "    tls_config: {ca_file: " + dir.resolve("ca.crt") + ", cert_file: "
          + dir.resolve("client.crt") + ", key_file: " + dir.resolve("client.key") + "}\n");
      Process prometheus = new ProcessBuilder("prometheus",
          "--config.file=" + dir.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + dir.resolve("tsdb"),
          "--web.listen-address=127.0.0.1:" + promPort).redirectErrorStream(true)
          .redirectOutput(dir.resolve("prometheus.log").toFile()).start();
      try {
        String query = "http://127.0.0.1:" + promPort + "/api/v1/query?query="
            + URLEncoder.encode("syscall_exporter_programs_attached{job=\"secure\"}",
                StandardCharsets.UTF_8);
        awaitTrue("Prometheus scraped over TLS with basic auth", 30,
            () -> body(HttpClient.newHttpClient(), query).contains("\"value\":["));

        // Client certificates required and verified: one without is refused, Prometheus
        // (which presents one signed by the CA) goes on. The file is re-read on its own.
        Files.writeString(web, webConfig(hash, "  client_auth_type: RequireAndVerifyClientCert\n"
            + "  client_ca_file: ca.crt\n"));
        awaitTrue("a client without a certificate is refused", 20, () -> {
          try { // a new client: a kept-alive connection would skip the handshake
            send(HttpClient.newBuilder().sslContext(tlsContext).build(), url,
                basic("prom", PASSWORD));
            return false;
          } catch (IOException refused) {
            return true;
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        String upQuery = "http://127.0.0.1:" + promPort + "/api/v1/query?query="
            + URLEncoder.encode("up{job=\"secure\"}", StandardCharsets.UTF_8);
        // Its next scrapes, through TLS and basic auth, succeed.
        awaitTrue("Prometheus scrapes it", 30,
            () -> body(HttpClient.newHttpClient(), upQuery).contains("\"1\"]"));
      } finally {
        prometheus.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aBadWebConfigNamesTheKeyAtStartAndIsRefusedAtReload() throws Exception {
    KernelRequired.check();
    Path web = dir.resolve("web.yml");
    Files.writeString(web, "basic_auth_users:\n  prom: not-a-hash\n");
    ExporterProcess.Exit exit = ExporterProcess.runToExit("--web.config.file=" + web);
    assertThat(exit.code()).isEqualTo(2);
    assertThat(exit.stderr()).contains("web config file " + web
        + ": basic_auth_users.prom: must be a bcrypt hash");

    String hash = BCrypt.withDefaults().hashToString(10, PASSWORD.toCharArray());
    Files.writeString(web, "basic_auth_users:\n  prom: " + hash + "\n");
    ExporterProcess.Client client = new ExporterProcess.Client("http",
        HttpClient.newHttpClient(), basic("prom", PASSWORD));
    try (ExporterProcess exporter = ExporterProcess.start(client,
        "--web.config.file=" + web)) {
      Files.writeString(web, "basic_auth_users:\n  prom: " + hash + "\ntls_server_confg: {}\n");
      awaitTrue("the failed reload is counted", 20, () -> {
        try {
          return exporter.scrape().value("syscall_exporter_web_config_reloads_total", "result",
              "failure") == 1;
        } catch (Exception | AssertionError e) {
          return false;
        }
      });
      // The last good config stays: the password still works, and is still needed.
      assertThat(send(HttpClient.newHttpClient(), exporter.url("/metrics"), null).statusCode())
          .isEqualTo(401);
      assertThat(exporter.log()).contains("web config not reloaded", "tls_server_confg: unknown"
          + " key");
    }
  }

  /** A CA, a server certificate for 127.0.0.1 and a client certificate, with openssl. */
  private void certificates() throws Exception {
    Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\n");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test-ca",
        "-keyout", "ca.key", "-out", "ca.crt");
    for (String who : new String[] {"server", "client"}) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=" + who, "-keyout",
          who + ".key", "-out", who + ".csr");
      openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
          "-CAcreateserial", "-days", "1", "-out", who + ".crt", "-extfile", "server.ext");
    }
  }

  private void openssl(String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "openssl";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl %s: %s", String.join(" ", args), out).isZero();
  }

  private static String webConfig(String hash, String extraTls) {
    return "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        + "  min_version: TLS12\n" + extraTls
        + "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
        + "basic_auth_users:\n  prom: " + hash + "\n";
  }

  private static SSLContext trusting(Path caPem) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(caPem)) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509")
          .generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String basic(String user, String password) {
    return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
        .getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> send(HttpClient http, String url, String authorization)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(10));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String body(HttpClient http, String url) {
    try {
      return send(http, url, null).body();
    } catch (Exception e) {
      return "";
    }
  }

  /** What a plain-HTTP request to the port gets back (nothing, or TLS alerts). */
  private static String plainHttp(int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(5000);
      s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      try {
        return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (IOException closedOrTimedOut) {
        return "";
      }
    }
  }
}
