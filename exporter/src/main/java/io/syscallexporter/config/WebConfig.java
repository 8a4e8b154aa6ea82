package io.syscallexporter.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code --web.config.file}, in the Prometheus exporter-toolkit format, so the file an
 * operator keeps for node_exporter works here too: TLS ({@code tls_server_config}), basic
 * authentication with bcrypt hashes ({@code basic_auth_users}) and response headers ({@code
 * http_server_config.headers}). Keys of that format that the JDK's TLS stack cannot honour
 * ({@code cipher_suites}, {@code curve_preferences}, ...) are accepted and reported in {@link
 * #ignored}; any other key is an error naming its path.
 */
public record WebConfig(Tls tls, Map<String, String> users, Map<String, String> headers,
    List<String> ignored) {

  /** No TLS, no authentication, no extra headers. */
  public static final WebConfig NONE = new WebConfig(null, Map.of(), Map.of(), List.of());

  /** How clients are asked for certificates, as exporter-toolkit names it. */
  public enum ClientAuth {
    NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven,
    RequireAndVerifyClientCert;

    /** Whether a certificate the client sends is checked against {@code client_ca_file}. */
    public boolean verifies() {
      return this == VerifyClientCertIfGiven || this == RequireAndVerifyClientCert;
    }

    /** Whether a client without a certificate is refused. */
    public boolean requires() {
      return this == RequireAnyClientCert || this == RequireAndVerifyClientCert;
    }
  }

  /**
   * {@code tls_server_config}; {@code minVersion} and {@code maxVersion} are JSSE protocol names
   * ("TLSv1.2"), {@code clientCaFile} null unless client certificates are verified.
   */
  public record Tls(Path certFile, Path keyFile, ClientAuth clientAuth, Path clientCaFile,
      String minVersion, String maxVersion) {}

  private static final Map<String, String> VERSIONS = Map.of(
      "TLS10", "TLSv1", "TLS11", "TLSv1.1", "TLS12", "TLSv1.2", "TLS13", "TLSv1.3");
  private static final List<String> TLS_IGNORED = List.of("cipher_suites", "curve_preferences",
      "prefer_server_cipher_suites", "client_allowed_sans");

  /** Reads and checks the file; relative paths in it are relative to the file's folder. */
  public static WebConfig read(Path file) throws UsageException {
    YamlFile yaml = new YamlFile(file, "web config file");
    Map<String, Object> top = yaml.read();
    yaml.known(top, "", "tls_server_config", "http_server_config", "basic_auth_users");
    List<String> ignored = new ArrayList<>();

    Tls tls = null;
    Map<String, Object> t = yaml.section(top, "tls_server_config", "");
    if (!t.isEmpty()) {
      String p = "tls_server_config";
      yaml.known(t, p, "cert_file", "key_file", "client_auth_type", "client_ca_file",
          "min_version", "max_version", "cipher_suites", "curve_preferences",
          "prefer_server_cipher_suites", "client_allowed_sans");
      for (String key : TLS_IGNORED) {
        if (t.containsKey(key)) {
          ignored.add(p + "." + key);
        }
      }
      Path base = file.toAbsolutePath().getParent();
      String cert = yaml.string(t, "cert_file", p);
      String key = yaml.string(t, "key_file", p);
      if (cert == null || key == null) {
        throw yaml.error(p, "needs both cert_file and key_file");
      }
      String authName = yaml.string(t, "client_auth_type", p);
      ClientAuth auth;
      try {
        auth = authName == null ? ClientAuth.NoClientCert : ClientAuth.valueOf(authName);
      } catch (IllegalArgumentException e) {
        throw yaml.error(p + ".client_auth_type", "unknown \"" + authName + "\" (one of "
            + String.join(", ", Arrays.stream(ClientAuth.values()).map(Enum::name)
                .toList()) + ")");
      }
      String ca = yaml.string(t, "client_ca_file", p);
      if (auth.verifies() && ca == null) {
        throw yaml.error(p + ".client_ca_file", "is needed with client_auth_type " + auth);
      }
      tls = new Tls(base.resolve(cert), base.resolve(key), auth,
          ca == null ? null : base.resolve(ca), version(yaml, t, "min_version", p, "TLSv1.2"),
          version(yaml, t, "max_version", p, "TLSv1.3"));
    }

    Map<String, Object> server = yaml.section(top, "http_server_config", "");
    yaml.known(server, "http_server_config", "headers", "http2");
    if (server.containsKey("http2")) {
      ignored.add("http_server_config.http2");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    Map<String, Object> h = yaml.section(server, "headers", "http_server_config");
    for (String name : h.keySet()) {
      String value = yaml.string(h, name, "http_server_config.headers");
      if (!name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+") || value == null
          || value.chars().anyMatch(c -> c == '\r' || c == '\n')) {
        throw yaml.error("http_server_config.headers." + name, "not a valid header");
      }
      headers.put(name, value);
    }

    Map<String, String> users = new LinkedHashMap<>();
    Map<String, Object> u = yaml.section(top, "basic_auth_users", "");
    for (String user : u.keySet()) {
      String hash = yaml.string(u, user, "basic_auth_users");
      if (hash == null || !hash.matches("\\$2[abxy]?\\$\\d\\d\\$[./A-Za-z0-9]{53}")) {
        throw yaml.error("basic_auth_users." + user, "must be a bcrypt hash ($2y$10$...), e.g."
            + " from htpasswd -nBC 10 USER");
      }
      if (user.contains(":")) {
        throw yaml.error("basic_auth_users." + user, "a user name cannot contain ':'");
      }
      users.put(user, hash);
    }
    return new WebConfig(tls, Map.copyOf(users), Map.copyOf(headers), List.copyOf(ignored));
  }

  private static String version(YamlFile yaml, Map<String, Object> t, String key, String path,
      String fallback) throws UsageException {
    String v = yaml.string(t, key, path);
    if (v == null) {
      return fallback;
    }
    String jsse = VERSIONS.get(v);
    if (jsse == null) {
      throw yaml.error(path + "." + key, "unknown \"" + v + "\" (one of TLS10, TLS11, TLS12,"
          + " TLS13)");
    }
    return jsse;
  }
}
