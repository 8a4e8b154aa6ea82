package io.syscallexporter.http;

import at.favre.lib.crypto.bcrypt.BCrypt;
import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpExchange;
import io.syscallexporter.config.WebConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What {@code --web.config.file} asks of every request: its response headers, and, when it
 * lists {@code basic_auth_users}, a user and password matching one of their bcrypt hashes
 * (else 401). A bcrypt check costs tens of milliseconds on purpose, so a pair that passed is
 * remembered (as a SHA-256 digest) until the config changes; failures are never remembered.
 */
final class AccessFilter extends Filter {
  private static final String REALM = "Basic realm=\"syscall_exporter\", charset=\"UTF-8\"";

  private volatile WebConfig config;
  private volatile Set<String> passed = ConcurrentHashMap.newKeySet();

  AccessFilter(WebConfig config) {
    this.config = config;
  }

  void update(WebConfig next) {
    config = next;
    passed = ConcurrentHashMap.newKeySet();
  }

  @Override
  public String description() {
    return "response headers and basic authentication of --web.config.file";
  }

  @Override
  public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
    WebConfig c = config;
    c.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
    if (!c.users().isEmpty()
        && !allowed(c.users(), exchange.getRequestHeaders().getFirst("Authorization"))) {
      try (exchange) {
        exchange.getResponseHeaders().set("WWW-Authenticate", REALM);
        Pages.respond(exchange, 401, "text/plain; charset=utf-8", "401 unauthorized\n",
            exchange.getRequestMethod().equals("HEAD"));
      }
      return;
    }
    chain.doFilter(exchange);
  }

  boolean allowed(Map<String, String> users, String authorization) {
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String pair;
    try {
      pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
          StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = pair.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String hash = users.get(pair.substring(0, colon));
    if (hash == null) {
      // As slow as a wrong password (a configured hash, so the same cost factor): timing must
      // not tell which user names exist.
      BCrypt.verifyer().verify(pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8),
          users.values().iterator().next().getBytes(StandardCharsets.UTF_8));
      return false;
    }
    String digest = sha256(hash + "\0" + pair);
    Set<String> known = passed;
    if (known.contains(digest)) {
      return true;
    }
    byte[] password = pair.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
    if (BCrypt.verifyer().verify(password, hash.getBytes(StandardCharsets.UTF_8)).verified) {
      known.add(digest);
      return true;
    }
    return false;
  }

  private static String sha256(String s) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
          .digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
