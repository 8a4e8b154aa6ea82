package io.syscallexporter;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.syscallexporter.bpf.SyscallTracer;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.metrics.ExporterHealthCollector;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TimedOutCollector;
import io.syscallexporter.process.ProcessNames;
import io.syscallexporter.syscalls.SyscallTable;

/** Wires the exporter: the kernel source, the collectors and their registry. */
public final class ExporterModule extends AbstractModule {
  private final ExporterConfig config;

  public ExporterModule(ExporterConfig config) {
    this.config = config;
  }

  @Override
  protected void configure() {
    bind(ExporterConfig.class).toInstance(config);
    bind(ProcessNames.class).toInstance(new ProcessNames());
  }

  @Provides
  @Singleton
  SyscallTable syscallTable() {
    return SyscallTable.forThisMachine();
  }

  @Provides
  @Singleton
  KernelSource kernel() {
    return SyscallTracer.start(new SyscallTracer.Settings(config.slowThreshold(),
        config.perPidLabels()));
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
