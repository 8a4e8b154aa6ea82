package io.syscallexporter.http;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.syscallexporter.config.WebConfig;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS side of {@code tls_server_config}, from PEM files. The JDK server takes one
 * SSLContext for its life, so this one delegates to key and trust managers that a reload of
 * the web config replaces; client authentication and protocol versions are applied to each new
 * connection.
 */
final class TlsContext {
  private static final Pattern PEM_KEY = Pattern.compile(
      "-----BEGIN (RSA )?PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END (RSA )?PRIVATE KEY-----");
  private static final List<String> PROTOCOLS = List.of("TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3");

  private final SSLContext context;
  private volatile Managers managers;

  /** What one web config's TLS settings load into. */
  private record Managers(X509ExtendedKeyManager keys, X509ExtendedTrustManager trust,
      WebConfig.Tls config) {}

  TlsContext(WebConfig.Tls config) throws IOException {
    managers = load(config);
    try {
      context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {new Keys()},
          new TrustManager[] {new Trust()}, null);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** Loads new certificates and settings; connections from now on use them. */
  void update(WebConfig.Tls config) throws IOException {
    managers = load(config);
  }

  HttpsConfigurator configurator() {
    return new HttpsConfigurator(context) {
      @Override
      public void configure(HttpsParameters params) {
        WebConfig.Tls c = managers.config();
        SSLParameters p = context.getDefaultSSLParameters();
        int min = PROTOCOLS.indexOf(c.minVersion());
        int max = PROTOCOLS.indexOf(c.maxVersion());
        p.setProtocols(PROTOCOLS.subList(min, Math.max(min, max) + 1).toArray(String[]::new));
        if (c.clientAuth().requires()) {
          p.setNeedClientAuth(true);
        } else if (c.clientAuth() != WebConfig.ClientAuth.NoClientCert) {
          p.setWantClientAuth(true);
        }
        params.setSSLParameters(p);
      }
    };
  }

  private static Managers load(WebConfig.Tls c) throws IOException {
    try {
      List<X509Certificate> chain = certificates(c.certFile());
      if (chain.isEmpty()) {
        throw new IOException(c.certFile() + " holds no PEM certificate");
      }
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry("server", privateKey(c.keyFile()), new char[0],
          chain.toArray(Certificate[]::new));
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(
          KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, new char[0]);
      X509ExtendedTrustManager trust = null;
      if (c.clientCaFile() != null) {
        KeyStore cas = KeyStore.getInstance("PKCS12");
        cas.load(null, null);
        int i = 0;
        for (X509Certificate ca : certificates(c.clientCaFile())) {
          cas.setCertificateEntry("ca" + i++, ca);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(
            TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(cas);
        trust = (X509ExtendedTrustManager) tmf.getTrustManagers()[0];
      }
      return new Managers((X509ExtendedKeyManager) kmf.getKeyManagers()[0], trust, c);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot load TLS certificate " + c.certFile() + " and key "
          + c.keyFile() + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path pem)
      throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(pem)) {
      Collection<? extends Certificate> all = CertificateFactory.getInstance("X.509")
          .generateCertificates(in);
      List<X509Certificate> out = new ArrayList<>();
      all.forEach(cert -> out.add((X509Certificate) cert));
      return out;
    }
  }

  /** A PKCS#8 ("PRIVATE KEY") or PKCS#1 RSA ("RSA PRIVATE KEY") key, unencrypted. */
  static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
    Matcher m = PEM_KEY.matcher(Files.readString(pem));
    if (!m.find()) {
      throw new IOException(pem + " holds no unencrypted PEM private key (PKCS#8 or RSA);"
          + " convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(2));
    if (m.group(1) != null) {
      der = pkcs1ToPkcs8(der);
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "EdDSA")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException tryNext) {
        // not this algorithm
      }
    }
    throw new IOException(pem + ": not an RSA, EC or Ed25519 private key");
  }

  /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption). */
  private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
    byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    byte[] version = {0x02, 0x01, 0x00};
    byte[] octets = der(0x04, pkcs1);
    byte[] body = new byte[version.length + algorithm.length + octets.length];
    System.arraycopy(version, 0, body, 0, version.length);
    System.arraycopy(algorithm, 0, body, version.length, algorithm.length);
    System.arraycopy(octets, 0, body, version.length + algorithm.length, octets.length);
    return der(0x30, body);
  }

  private static byte[] der(int tag, byte[] content) {
    byte[] length = content.length < 128 ? new byte[] {(byte) content.length}
        : lengthBytes(content.length);
    byte[] out = new byte[1 + length.length + content.length];
    out[0] = (byte) tag;
    System.arraycopy(length, 0, out, 1, length.length);
    System.arraycopy(content, 0, out, 1 + length.length, content.length);
    return out;
  }

  private static byte[] lengthBytes(int length) {
    byte[] n = BigInteger.valueOf(length).toByteArray();
    int skip = n[0] == 0 ? 1 : 0;
    byte[] out = new byte[n.length - skip + 1];
    out[0] = (byte) (0x80 | (n.length - skip));
    System.arraycopy(n, skip, out, 1, n.length - skip);
    return out;
  }

  /** Delegates to the current key manager. */
  private final class Keys extends X509ExtendedKeyManager {
    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return managers.keys().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return managers.keys().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine e) {
      return managers.keys().chooseEngineServerAlias(keyType, issuers, e);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return managers.keys().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return managers.keys().getPrivateKey(alias);
    }
  }

  /**
   * Checks client certificates against the current client CAs; with RequireAnyClientCert or
   * RequestClientCert (no CA file), any certificate is taken, as exporter-toolkit does.
   */
  private final class Trust extends X509ExtendedTrustManager {
    private X509ExtendedTrustManager current() {
      return managers.config().clientAuth().verifies() ? managers.trust() : null;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      X509ExtendedTrustManager t = current();
      if (t != null) {
        t.checkClientTrusted(chain, authType, socket);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      X509ExtendedTrustManager t = current();
      if (t != null) {
        t.checkClientTrusted(chain, authType, engine);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      X509ExtendedTrustManager t = current();
      if (t != null) {
        t.checkClientTrusted(chain, authType);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw notAClient();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw notAClient();
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw notAClient();
    }

    private CertificateException notAClient() {
      return new CertificateException("a server does not check servers");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509ExtendedTrustManager t = current();
      return t == null ? new X509Certificate[0] : t.getAcceptedIssuers();
    }
  }
}
