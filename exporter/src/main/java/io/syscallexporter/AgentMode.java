package io.syscallexporter;

import com.google.inject.Injector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.bpf.BpfException;
import io.syscallexporter.bpf.KernelChecks;
import io.syscallexporter.config.AgentNames;
import io.syscallexporter.config.Durations;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.Flags;
import io.syscallexporter.config.UsageException;
import io.syscallexporter.http.WebServer;
import io.syscallexporter.join.JoinClient;
import io.syscallexporter.join.JoinedPort;
import io.syscallexporter.jvm.JavaThreads;
import io.syscallexporter.jvm.ThreadPoolRules;
import io.syscallexporter.jvm.VirtualThreadHooks;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TimedOutCollector;
import io.syscallexporter.service.ServiceRegistries;
import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The exporter inside a Java service: this JVM only, by Java thread pool, on its own port. It
 * starts on a daemon thread, and every thread it starts inherits that (the JDK's HTTP
 * dispatcher included): it never keeps the service alive. At the JVM's launch the service's
 * main waits until the programs are attached (at most {@code --agent.start-timeout}), so its
 * first calls are measured; attached to a running JVM, nothing waits. Any failure is one
 * warning line; the service runs on without it.
 */
public final class AgentMode {
  /** Set while an agent runs in this JVM: a second attach is refused. */
  static final String RUNNING = "syscall_exporter.agent.running";

  private AgentMode() {}

  /**
   * Called through reflection by {@link Agent}, in the agent's own class loader; {@code
   * atLaunch}: from {@code premain}, before the service's main. The flags and the quick checks
   * (privileges, BTF) run here, so that even a service that ends at once has the warning in its
   * log; loading runs on a daemon thread. {@code instrumentation}: to find the service's own
   * metrics registries.
   */
  public static void start(String args, boolean atLaunch, Instrumentation instrumentation) {
    ExporterConfig config;
    try {
      config = Flags.parse(flags(args));
    } catch (Flags.HelpRequested e) {
      System.err.print(Flags.usage());
      return;
    } catch (UsageException | RuntimeException e) {
      notStarted(e);
      return;
    }
    synchronized (System.getProperties()) {
      if (System.getProperty(RUNNING) != null) {
        notStarted(new IllegalStateException("an agent already runs in this JVM, "
            + System.getProperty(RUNNING)));
        return;
      }
      System.setProperty(RUNNING, "starting");
    }
    hookVirtualThreads(instrumentation);
    Path socket = config.agentSocket();
    if (socket != null && JoinClient.exporterAt(socket)) {
      join(config, socket, instrumentation);
      return;
    }
    try {
      KernelChecks.preflight();
    } catch (RuntimeException e) {
      System.clearProperty(RUNNING);
      notStarted(e);
      return;
    }
    CountDownLatch attached = new CountDownLatch(1);
    Thread starter = Threads.factory("start").newThread(
        () -> run(config, attached, instrumentation));
    starter.setContextClassLoader(AgentMode.class.getClassLoader());
    starter.start();
    if (atLaunch) {
      awaitAttached(attached, config.agentStartTimeout());
    }
  }

  /**
   * Has each carrier thread say which virtual thread is mounted on it, so that a virtual
   * thread's calls count under its own pool (Java 21+); one warning where that cannot be.
   */
  private static void hookVirtualThreads(Instrumentation instrumentation) {
    if (Runtime.version().feature() < 21) {
      return; // no virtual threads
    }
    String whyNot = VirtualThreadHooks.install(instrumentation);
    if (whyNot != null) {
      Log.warn("syscall_exporter agent: virtual threads' calls count under their carrier"
          + " threads", "err", whyNot);
    }
  }

  /** Holds the service's main until the programs are attached, or the timeout passes. */
  private static void awaitAttached(CountDownLatch attached, Duration timeout) {
    try {
      if (!timeout.isZero() && !attached.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        Log.warn("syscall_exporter agent: programs not attached yet; the service starts"
            + " meanwhile and its calls until then are not measured", "waited",
            Durations.format(timeout));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Joins the host exporter that serves {@code socket}: no BPF, no native code and no
   * capability in this JVM. The exporter measures it; the agent names its threads.
   */
  private static void join(ExporterConfig config, Path socket, Instrumentation instrumentation) {
    String name = config.agentName().isEmpty()
        ? AgentNames.fromCommand(System.getProperty("sun.java.command", ""))
        : config.agentName();
    System.setProperty(RUNNING, "joined the host exporter at " + socket);
    // The host exporter labels this JVM's threads by its own rules: none are needed here.
    JoinClient client = JoinClient.start(socket, name,
        JavaThreads.ofThisJvm(ThreadPoolRules.DEFAULT));
    if (config.agentServiceEndpoint()) {
      ServiceRegistries registries = onServiceEndpoint(instrumentation,
          JoinedPort.registry(client::series));
      if (registries != null && !config.agentHostSeries()) {
        // While the service's endpoint is scraped, the host exporter leaves them out.
        client.servedElsewhere(registries::scraped);
      }
    }
    String address = "none";
    if (config.listenAddressGiven()) {
      try {
        WebServer port = JoinedPort.serve(config, name, client::series);
        address = config.listenHost() + ":" + port.port();
      } catch (IOException | UsageException | RuntimeException e) {
        // The join goes on: the host exporter serves this JVM's series anyway.
        Log.warn("syscall_exporter agent: cannot serve its own port; joined all the same",
            "err", String.valueOf(e.getMessage()));
      }
    }
    Log.info("syscall_exporter agent started", "mode", "joined", "socket", socket, "name", name,
        "address", address, "pid", ProcessHandle.current().pid());
  }

  /**
   * Starts putting {@code series} on the service's own metrics endpoint; a failure is a warning,
   * and the agent goes on without it (null).
   */
  private static ServiceRegistries onServiceEndpoint(Instrumentation instrumentation,
      PrometheusRegistry series) {
    try {
      return ServiceRegistries.start(instrumentation, series::scrape);
    } catch (RuntimeException | LinkageError e) {
      Log.warn("syscall_exporter agent: its series stay off the service's own endpoint", "err",
          String.valueOf(e));
      return null;
    }
  }

  /** The agent's flags: the standalone flags, comma separated. */
  static String[] flags(String args) {
    if (args == null || args.isBlank()) {
      return new String[0];
    }
    return Arrays.stream(args.split(",")).map(String::strip).filter(s -> !s.isEmpty())
        .toArray(String[]::new);
  }

  private static void run(ExporterConfig config, CountDownLatch attached,
      Instrumentation instrumentation) {
    Exporter exporter = null;
    Thread detach = null;
    try {
      Injector injector = ExporterModule.load(config, Mode.AGENT).injector();
      exporter = injector.getInstance(Exporter.class);
      exporter.allowTraceContexts();
      attached.countDown(); // the programs measure this JVM: its main may go on
      detach = new Thread(exporter::close, "sysexp-detach");
      Runtime.getRuntime().addShutdownHook(detach);
      exporter.start();
      if (config.agentServiceEndpoint()) {
        PrometheusRegistry series = new PrometheusRegistry();
        series.register(injector.getInstance(SyscallLatencyCollector.class));
        series.register(injector.getInstance(TimedOutCollector.class));
        onServiceEndpoint(instrumentation, series);
      }
      System.setProperty(RUNNING, "serving on " + config.listenHost() + ":" + exporter.port());
      Log.info("syscall_exporter agent started", "mode", "standalone", "address",
          config.listenHost() + ":" + exporter.port(), "pid", ProcessHandle.current().pid(),
          "tls", exporter.tls());
    } catch (Throwable e) { // a guest: nothing may escape into the service
      if (exporter != null) {
        exporter.close();
      }
      if (detach != null) {
        try {
          Runtime.getRuntime().removeShutdownHook(detach);
        } catch (IllegalStateException exiting) {
          // the JVM is already shutting down: the hook runs, harmlessly
        }
      }
      System.clearProperty(RUNNING);
      notStarted(e);
    } finally {
      attached.countDown();
    }
  }

  /** The one line a failed start leaves in the service's log. */
  static void notStarted(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause
        && !(cause instanceof BpfException)) {
      cause = cause.getCause();
    }
    String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
    Log.warn("syscall_exporter agent not started; the service runs on without it",
        "err", why);
  }
}
