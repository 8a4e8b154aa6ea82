package io.syscallexporter.http;

import com.google.inject.Inject;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.Mode;
import io.syscallexporter.Threads;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.WebConfig;
import io.syscallexporter.config.WebConfigSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Serves the metrics ({@link MetricsHandler}) and the {@link Pages}, over TLS and behind basic
 * authentication when {@code --web.config.file} asks (every path alike), so that slow, idle or
 * malicious clients cannot stop scrapes: the JDK server reads a request's headers on a worker
 * thread, so a client that sends half a request holds a thread until {@link #MAX_REQUEST_SECONDS}
 * closes it; there are enough workers for many such clients at once, idle connections hold no
 * thread, and open connections are capped.
 */
public final class WebServer implements AutoCloseable {
  /** Workers: each is a blocked read at worst, and idle ones go after a few seconds. */
  static final int HTTP_THREADS = 64;
  static final long THREAD_KEEPALIVE_SECONDS = 5;
  /** Time to send a request's headers (Prometheus sends them at once). */
  static final int MAX_REQUEST_SECONDS = 5;
  /** Time to read a response (a scrape of 5,000 label sets is ~7 MiB uncompressed). */
  static final int MAX_RESPONSE_SECONDS = 60;
  /** Keep-alive connections idle this long are closed. */
  static final int IDLE_SECONDS = 30;
  /** Connections open at once; beyond, new ones are closed at accept. */
  static final int MAX_CONNECTIONS = 1024;

  /**
   * Sets the JDK server's limits, which are system properties read once, when the first server
   * in the JVM starts. Standalone only: inside a service (agent mode) they would change the
   * service's own servers too, so there the agent's server runs with the JDK's defaults.
   */
  public static void tuneJdkServer() {
    System.setProperty("sun.net.httpserver.maxReqTime", Integer.toString(MAX_REQUEST_SECONDS));
    System.setProperty("sun.net.httpserver.maxRspTime", Integer.toString(MAX_RESPONSE_SECONDS));
    System.setProperty("sun.net.httpserver.idleInterval", Integer.toString(IDLE_SECONDS));
    System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
    // Headers and body go out in separate writes: without this, Nagle's algorithm and the
    // client's delayed ACK hold each small keep-alive response back ~40 ms.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  /** How often the web config file is checked for changes. */
  static final long RELOAD_CHECK_SECONDS = 5;

  private final ExporterConfig config;
  private final String about;
  private final boolean timedOutView;
  private final PrometheusRegistry registry;
  private final TimeoutScanner scanner;
  private final WebConfigSource webConfig;
  private HttpServer server;
  private ExecutorService executor;
  private ScheduledExecutorService reloader;

  @Inject
  public WebServer(ExporterConfig config, Mode mode, PrometheusRegistry registry,
      TimeoutScanner scanner, WebConfigSource webConfig) {
    this(config, mode == Mode.AGENT
        ? "Syscall latency of this JVM (pid " + ProcessHandle.current().pid()
            + "), by Java thread pool, measured in the kernel with eBPF."
        : "Per-process, per-syscall latency measured in the kernel with eBPF.",
        config.timedOutView(), registry, scanner, webConfig);
  }

  /**
   * A server of {@code registry} and the pages; {@code about} is the landing page's sentence.
   * Without the on-call view ({@code timedOutView} false), {@code scanner} may be null.
   */
  public WebServer(ExporterConfig config, String about, boolean timedOutView,
      PrometheusRegistry registry, TimeoutScanner scanner, WebConfigSource webConfig) {
    this.config = config;
    this.about = about;
    this.timedOutView = timedOutView;
    this.registry = registry;
    this.scanner = scanner;
    this.webConfig = webConfig;
  }

  /** Binds and starts serving, or throws with a sentence saying what to do about it. */
  public void start() throws IOException {
    bind();
    serve();
  }

  /**
   * Binds the listening socket, or throws with a sentence saying what to do about it; no thread
   * starts yet. Separate from {@link #serve} so a privileged port can be bound before
   * capabilities are dropped, and the serving threads start after.
   */
  public void bind() throws IOException {
    InetSocketAddress address = config.listenHost().isEmpty()
        ? new InetSocketAddress(config.listenPort())
        : new InetSocketAddress(config.listenHost(), config.listenPort());
    WebConfig web = webConfig.current();
    TlsContext tls = web.tls() == null ? null : new TlsContext(web.tls());
    try {
      if (tls == null) {
        server = HttpServer.create(address, 0);
      } else {
        HttpsServer https = HttpsServer.create(address, 0);
        https.setHttpsConfigurator(tls.configurator());
        server = https;
      }
    } catch (BindException e) {
      throw new IOException("cannot listen on " + address() + ": " + e.getMessage()
          + "; stop what is using it or pick another address with --web.listen-address", e);
    }
    AccessFilter access = new AccessFilter(web);
    webConfig.onChange(next -> {
      if (tls != null) {
        try {
          tls.update(next.tls()); // first: a certificate that does not load stops the reload
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      access.update(next);
    });
    server.createContext("/", new Pages(about, config.telemetryPath(), timedOutView, scanner,
        System::nanoTime)).getFilters().add(access);
    server.createContext(config.telemetryPath(),
        new MetricsHandler(config.telemetryPath(), registry)).getFilters().add(access);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(HTTP_THREADS, HTTP_THREADS,
        THREAD_KEEPALIVE_SECONDS, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        Threads.factory("http"));
    pool.allowCoreThreadTimeOut(true);
    executor = pool;
    server.setExecutor(executor);
  }

  /** Starts the threads that serve, and the web config's reloads; after {@link #bind}. */
  public void serve() {
    server.start();
    reloader = Threads.scheduler("webcfg");
    reloader.scheduleWithFixedDelay(webConfig::reloadIfChanged, RELOAD_CHECK_SECONDS,
        RELOAD_CHECK_SECONDS, TimeUnit.SECONDS);
  }

  /** Whether the server speaks TLS. */
  public boolean tls() {
    return server instanceof HttpsServer;
  }

  /** The port actually bound (differs from the flag when the flag says port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  private String address() {
    return config.listenHost() + ":" + config.listenPort();
  }

  @Override
  public void close() {
    if (reloader != null) {
      reloader.shutdownNow();
    }
    if (server != null) {
      server.stop(0);
    }
    if (executor != null) {
      executor.shutdownNow();
    }
  }

  /** After {@link #close}: waits up to {@code seconds} for requests under way to end. */
  public void awaitStopped(int seconds) {
    Threads.awaitStopped(seconds, executor);
  }
}
