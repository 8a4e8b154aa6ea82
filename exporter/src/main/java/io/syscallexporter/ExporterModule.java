package io.syscallexporter;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.bpf.PidNamespace;
import io.syscallexporter.bpf.SyscallTracer;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.config.ConfigFile;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.UsageException;
import io.syscallexporter.config.WebConfigSource;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.join.JoinedJvms;
import io.syscallexporter.jvm.JavaThreads;
import io.syscallexporter.jvm.ThreadPoolRules;
import io.syscallexporter.metrics.ExporterHealthCollector;
import io.syscallexporter.metrics.HistogramTotals;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.LabelBudget;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TimedOutCollector;
import io.syscallexporter.policy.SyscallPolicy;
import io.syscallexporter.process.CgroupPaths;
import io.syscallexporter.process.ProcFs;
import io.syscallexporter.syscalls.SyscallTable;

/** Wires the exporter: the kernel source, the collectors and their registry. */
public final class ExporterModule extends AbstractModule {
  private final ExporterConfig config;
  private final SyscallTable syscalls;
  private final SyscallPolicy policy;
  private final WebConfigSource web;
  private final Mode mode;
  private final ThreadPoolRules poolRules;

  private ExporterModule(ExporterConfig config, SyscallTable syscalls, SyscallPolicy policy,
      WebConfigSource web, Mode mode, ThreadPoolRules poolRules) {
    this.config = config;
    this.syscalls = syscalls;
    this.policy = policy;
    this.web = web;
    this.mode = mode;
    this.poolRules = poolRules;
  }

  /** Guice's flag that keeps it from generating classes; read once, as Guice starts. */
  static final String GUICE_BYTECODE = "guice_bytecode_gen_option";

  /**
   * The injector of this module, with Guice's class generation off: the exporter needs neither
   * its method interception nor its faster constructors, and generating classes makes Guice
   * call {@code sun.misc.Unsafe}, which Java 24+ warns about on stderr (a service's, in agent
   * mode). The flag is a system property that every copy of Guice in the JVM reads once, as it
   * starts: set only while ours does (the service's main waits meanwhile), and only if the
   * service set none.
   */
  public Injector injector() {
    boolean ours = System.getProperty(GUICE_BYTECODE) == null;
    if (ours) {
      System.setProperty(GUICE_BYTECODE, "DISABLED");
    }
    try {
      return Guice.createInjector(this);
    } finally {
      if (ours) {
        System.clearProperty(GUICE_BYTECODE);
      }
    }
  }

  /**
   * Reads the config files the flags name, for this machine's syscall table; a bad file is a
   * UsageException that says what is wrong in it, before anything is loaded.
   */
  public static ExporterModule load(ExporterConfig config, Mode mode) throws UsageException {
    SyscallTable syscalls = SyscallTable.forThisMachine();
    SyscallPolicy policy = ConfigFile.policy(config, syscalls);
    WebConfigSource web = config.webConfigFile() == null ? WebConfigSource.none()
        : WebConfigSource.load(config.webConfigFile());
    return new ExporterModule(config, syscalls, policy, web, mode,
        ConfigFile.threadPoolRules(config, syscalls));
  }

  @Override
  protected void configure() {
    bind(ExporterConfig.class).toInstance(config);
    bind(SyscallTable.class).toInstance(syscalls);
    bind(SyscallPolicy.class).toInstance(policy);
    bind(WebConfigSource.class).toInstance(web);
    bind(Mode.class).toInstance(mode);
    bind(ThreadPoolRules.class).toInstance(poolRules);
    if (mode == Mode.AGENT) {
      // This JVM's threads, by Java thread pool.
      bind(ThreadNames.class).toInstance(JavaThreads.ofThisJvm(poolRules));
    } else {
      // Processes by name; the JVMs that join through the agent socket by thread pool.
      bind(ThreadNames.class).to(JoinedJvms.class);
    }
    bind(ProcFs.class).toInstance(new ProcFs());
    bind(CgroupPaths.class).toInstance(config.cgroupRoot() != null
        ? new CgroupPaths(config.cgroupRoot(), System::nanoTime) : CgroupPaths.ofThisMachine());
  }

  @Provides
  @Singleton
  KernelSource kernel() {
    // Agent mode measures this JVM only, by the pid the kernel knows it by.
    int target = mode == Mode.AGENT ? PidNamespace.kernelTgid() : 0;
    return SyscallTracer.start(new SyscallTracer.Settings(config.slowThreshold(),
        config.perPidLabels(), config.cgroupLabels(), target, mode == Mode.AGENT,
        policy.kernelTables(syscalls)));
  }

  /**
   * The exported series, as a standalone agent's JMX publishes them: live. (A host sends each
   * joined JVM its own, {@link JmxPublisher.Source#ofJoinedJvm}.)
   */
  @Provides
  @Singleton
  JmxPublisher.Source series(HistogramTotals totals, TimeoutScanner scanner,
      LabelBudget budget) {
    return JmxPublisher.Source.of(totals::forEach, scanner, budget);
  }

  @Provides
  @Singleton
  PrometheusRegistry registry(SyscallLatencyCollector latency, TimedOutCollector timedOut,
      ExporterHealthCollector health) {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(latency);
    registry.register(timedOut);
    registry.register(health);
    return registry;
  }
}
