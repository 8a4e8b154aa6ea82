package io.syscallexporter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WebConfigTest {
  private static final String HASH = "$2y$10$X0i/ZOX.5bA4WrHMZT6dFO0DXjLjF.UWCZ5CKsXOcxb0dr5YFJ8tW";

  @TempDir
  Path dir;

  private WebConfig read(String yaml) throws Exception {
    Path file = dir.resolve("web.yml");
    Files.writeString(file, yaml);
    return WebConfig.read(file);
  }

  private void fails(String yaml, String message) {
    assertThatThrownBy(() -> read(yaml)).isInstanceOf(UsageException.class)
        .hasMessageContaining(message);
  }

  @Test
  void readsTheExporterToolkitFormat() throws Exception {
    WebConfig c = read("tls_server_config:\n  cert_file: tls/server.crt\n  key_file: /k.pem\n"
        + "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
        + "  min_version: TLS13\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
        + "http_server_config:\n  headers:\n    Strict-Transport-Security: max-age=31536000\n"
        + "basic_auth_users:\n  prometheus: " + HASH + "\n");
    assertThat(c.tls().certFile()).isEqualTo(dir.resolve("tls/server.crt"));
    assertThat(c.tls().keyFile()).isEqualTo(Path.of("/k.pem"));
    assertThat(c.tls().clientAuth()).isEqualTo(WebConfig.ClientAuth.RequireAndVerifyClientCert);
    assertThat(c.tls().clientCaFile()).isEqualTo(dir.resolve("ca.crt"));
    assertThat(c.tls().minVersion()).isEqualTo("TLSv1.3");
    assertThat(c.tls().maxVersion()).isEqualTo("TLSv1.3");
    assertThat(c.headers()).containsEntry("Strict-Transport-Security", "max-age=31536000");
    assertThat(c.users()).containsEntry("prometheus", HASH);
    assertThat(c.ignored()).containsExactly("tls_server_config.cipher_suites");
    assertThat(read("").tls()).isNull();
  }

  @Test
  void theExampleFileReads() throws Exception {
    WebConfig c = WebConfig.read(Path.of("../config/web-config.example.yml"));
    assertThat(c.tls().minVersion()).isEqualTo("TLSv1.2");
    assertThat(c.users()).containsKey("prometheus");
    assertThat(c.headers()).containsKey("X-Content-Type-Options");
  }

  @Test
  void eachMistakeNamesItsKey() {
    fails("tls_server_config:\n  cert_file: a\n", "tls_server_config: needs both cert_file and"
        + " key_file");
    fails("tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n",
        "tls_server_config.client_auth_type: unknown \"Always\"");
    fails("tls_server_config:\n  cert_file: a\n  key_file: b\n"
        + "  client_auth_type: RequireAndVerifyClientCert\n",
        "tls_server_config.client_ca_file: is needed");
    fails("tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: SSL3\n",
        "tls_server_config.min_version: unknown \"SSL3\"");
    fails("basic_auth_users:\n  bob: hunter2\n", "basic_auth_users.bob: must be a bcrypt hash");
    fails("http_server_config:\n  headers:\n    \"Bad Header\": x\n",
        "http_server_config.headers.Bad Header: not a valid header");
    fails("tls_server_confg: {}\n", "tls_server_confg: unknown key");
    fails("basic_auth_users: [a, b]\n", "basic_auth_users: must be a mapping");
  }
}
