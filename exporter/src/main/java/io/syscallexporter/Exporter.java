package io.syscallexporter;

import com.google.inject.Inject;
import io.syscallexporter.bpf.Capabilities;
import io.syscallexporter.bpf.NativeHeap;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SlowEventLog;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.http.WebServer;
import io.syscallexporter.join.AgentSocket;
import io.syscallexporter.join.JoinStats;
import io.syscallexporter.join.JoinedJvms;
import io.syscallexporter.metrics.HistogramTotals;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.LabelBudget;
import io.syscallexporter.metrics.TraceExemplars;
import io.syscallexporter.trace.ThreadContextRecord;
import java.io.IOException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The running exporter: kernel programs attached, the in-flight scan and the histogram drain
 * scheduled (each on its own thread: a drain waits for running BPF programs), HTTP serving.
 */
public final class Exporter implements AutoCloseable {
  /** How long close waits for a scan, drain or scrape under way to end. */
  private static final int STOP_WAIT_SECONDS = 10;

  /** How often to check whether a drain is due: one map read. */
  static final long DRAIN_CHECK_MILLIS = 100;
  /** How often agent mode's JMX values are brought up to date. */
  static final long JMX_REFRESH_MILLIS = 1000;
  /** How often agent mode looks for threads to name in the kernel (new, or renamed). */
  static final long NAME_THREADS_MILLIS = 1000;
  /** How often a host exporter hands its native heap's free pages back (NativeHeap.trim). */
  static final long TRIM_MILLIS = 5000;

  private final ExporterConfig config;
  private final Mode mode;
  private final KernelSource kernel;
  private final TimeoutScanner scanner;
  private final HistogramTotals totals;
  private final SlowEventLog slowLog;
  private final WebServer web;
  private final JmxPublisher jmx;
  private final JoinedJvms joined;
  private final JoinStats joinStats;
  private final LabelBudget budget;
  private final ThreadNames threads;
  private final TraceExemplars exemplars;
  private AgentSocket agentSocket;
  private ScheduledExecutorService agentThread;
  private final ScheduledExecutorService scanThread = Threads.scheduler("scan");
  private final ScheduledExecutorService drainThread = Threads.scheduler("drain");
  private boolean closed;
  /** The drain whose totals the joined JVMs were last sent. */
  private long publishedDrain = -1;

  @Inject
  Exporter(ExporterConfig config, Mode mode, KernelSource kernel, TimeoutScanner scanner,
      HistogramTotals totals, SlowEventLog slowLog, WebServer web, JmxPublisher jmx,
      JoinedJvms joined, JoinStats joinStats, LabelBudget budget, ThreadNames threads,
      TraceExemplars exemplars) {
    this.budget = budget;
    this.exemplars = exemplars;
    this.threads = threads;
    this.config = config;
    this.mode = mode;
    this.kernel = kernel;
    this.scanner = scanner;
    this.totals = totals;
    this.slowLog = slowLog;
    this.web = web;
    this.jmx = jmx;
    this.joined = joined;
    this.joinStats = joinStats;
  }

  public void start() throws IOException {
    web.bind(); // first: a port below 1024 needs CAP_NET_BIND_SERVICE
    if (mode == Mode.HOST && config.agentSocket() != null) {
      openAgentSocket(); // before the drop: its directory may need root to create
    }
    if (mode == Mode.HOST) {
      // Attached and bound: from here on the exporter needs only what its scans need.
      // Capabilities are per thread in Linux, so this comes before any thread that reads the
      // kernel or serves. A guest in a service leaves the service's capabilities alone.
      Log.info("dropped capabilities", "kept",
          String.join(",", Capabilities.dropAllButNeeded()), "no_new_privs", true);
    }
    kernel.onSlowEvent(slowLog.andThen(exemplars));
    long interval = config.scanInterval().toNanos();
    // The first scan at once: calls stuck since before we started are found by it.
    scanThread.scheduleAtFixedRate(() -> safely("in-flight scan failed", scanner::scan),
        0, interval, TimeUnit.NANOSECONDS);
    drainThread.scheduleWithFixedDelay(() -> safely("histogram drain failed",
        totals::drainIfDue), DRAIN_CHECK_MILLIS, DRAIN_CHECK_MILLIS, TimeUnit.MILLISECONDS);
    if (mode == Mode.HOST) {
      // Not in a service: its heap is its own, and so is the choice to trim it.
      drainThread.scheduleWithFixedDelay(() -> safely("trimming the native heap failed",
          NativeHeap::trim), TRIM_MILLIS, TRIM_MILLIS, TimeUnit.MILLISECONDS);
    }
    if (mode == Mode.AGENT) {
      // Before the first syscalls are counted where possible: a named thread's keys say its pool.
      safely("naming threads failed", () -> threads.nameThreads(kernel));
      scanThread.scheduleWithFixedDelay(() -> safely("naming threads failed",
          () -> threads.nameThreads(kernel)), NAME_THREADS_MILLIS, NAME_THREADS_MILLIS,
          TimeUnit.MILLISECONDS);
      jmx.start();
      drainThread.scheduleWithFixedDelay(() -> safely("JMX refresh failed", jmx::refresh), 0,
          JMX_REFRESH_MILLIS, TimeUnit.MILLISECONDS);
    }
    web.serve();
    if (agentSocket != null) {
      agentSocket.serve();
      // Each joined JVM gets its own series after each drain, for its JMX: the drained
      // totals, so no second walk of the kernel map. On a thread of its own, as a slow agent
      // may hold a write for a few seconds.
      agentThread = Threads.scheduler("agents");
      agentThread.scheduleWithFixedDelay(() -> safely("sending joined JVMs their series failed",
          this::publishAfterDrain), JMX_REFRESH_MILLIS, JMX_REFRESH_MILLIS,
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Agent mode: lets this JVM's threads register their trace context records, and its carrier
   * threads theirs, with the kernel, and leaves the cookie that registers one where the tracer
   * side (TraceContextExtension) and the carriers find it. Before the service's main goes on,
   * so that its first virtual threads are counted by pool.
   */
  public void allowTraceContexts() {
    long cookie = ThreadContextRecord.newCookie();
    if (kernel.allowTraceContexts(0, cookie)) {
      ThreadContextRecord.publishCookie(cookie);
    }
  }

  /** JVMs join through it; without it (a path taken, no permission) the rest runs on. */
  private void openAgentSocket() {
    try {
      joined.onMembershipChange(pid -> {
        totals.endPoolIds(pid);
        exemplars.forgetJvm(pid);
      });
      agentSocket = AgentSocket.open(config.agentSocket(), joined, joinStats);
      Log.info("agent socket open", "path", config.agentSocket());
    } catch (IOException | RuntimeException e) {
      Log.warn("no agent socket: JVMs cannot join this exporter", "path", config.agentSocket(),
          "err", e.getMessage());
    }
  }

  /**
   * Sends the joined JVMs their series when a drain has run since the last time; ends the
   * connections of those that have exec'd another program.
   */
  private void publishAfterDrain() {
    joined.dropExeced();
    long drains = totals.drains();
    if (drains != publishedDrain) {
      publishedDrain = drains;
      joined.publish(pid -> JmxPublisher.Source.ofJoinedJvm(pid, totals, scanner, budget,
          exemplars));
    }
  }

  /** One failed run must not end the schedule (a scheduled task stops on a throw). */
  private static void safely(String what, Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      Log.error(what, "err", e.getMessage());
    }
  }

  public int port() {
    return web.port();
  }

  public boolean tls() {
    return web.tls();
  }

  /**
   * Stops serving and scanning, then detaches the programs. Idempotent: main and the shutdown
   * hook both call it.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (mode == Mode.AGENT) {
      ThreadContextRecord.publishCookie(0);
    }
    web.close();
    if (agentThread != null) {
      agentThread.shutdownNow();
    }
    if (agentSocket != null) {
      agentSocket.close();
    }
    scanThread.shutdownNow();
    drainThread.shutdownNow();
    // The object and the maps mapped into this process are freed next: a scan, drain or
    // scrape still running would use them after they are gone (a crash of the whole JVM,
    // the service's in agent mode). Each run is short; the bound is for one that is not.
    Threads.awaitStopped(STOP_WAIT_SECONDS, scanThread, drainThread, agentThread);
    web.awaitStopped(STOP_WAIT_SECONDS);
    jmx.close();
    if (kernel instanceof AutoCloseable closeable) {
      try {
        closeable.close();
      } catch (Exception e) {
        Log.error("detaching BPF programs failed", "err", e.getMessage());
      }
    }
  }
}
