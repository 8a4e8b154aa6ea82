package io.syscallexporter.join;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.syscallexporter.config.ExporterConfig;
import io.syscallexporter.config.UsageException;
import io.syscallexporter.config.WebConfigSource;
import io.syscallexporter.http.WebServer;
import io.syscallexporter.metrics.JmxPublisher;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TimedOutCollector;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;

/**
 * A joined agent's own port, served only when it is given {@code --web.listen-address}: its
 * JVM's series as the host exporter last sent them (every second), under the same names and
 * labels as on the host exporter, with the same TLS, authentication and limits. Stuck calls are
 * the host exporter's to show: this port has no on-call view.
 */
public final class JoinedPort {
  private JoinedPort() {}

  /** Binds and serves; throws with a sentence saying what to do when it cannot. */
  public static WebServer serve(ExporterConfig config, String name,
      Supplier<JmxPublisher.Source> series) throws IOException, UsageException {
    WebConfigSource web = config.webConfigFile() == null ? WebConfigSource.none()
        : WebConfigSource.load(config.webConfigFile());
    WebServer server = new WebServer(config, "Syscall latency of the JVM \"" + name + "\" (pid "
        + ProcessHandle.current().pid() + "), by Java thread pool, as the host exporter it"
        + " joined measures it.", false, registry(series), null, web);
    server.start();
    return server;
  }

  /**
   * The JVM's series as the host exporter last sent them, as its own port and the service's
   * endpoint serve them.
   */
  public static PrometheusRegistry registry(Supplier<JmxPublisher.Source> series) {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(new SyscallLatencyCollector(
        action -> series.get().totals().forEach(action), "the host exporter's slow threshold",
        labels -> series.get().exemplars().getOrDefault(labels, Exemplars.EMPTY)));
    registry.register(new MultiCollector() {
      @Override
      public MetricSnapshots collect() {
        return MetricSnapshots.of(TimedOutCollector.gauge(series.get().timedOut(),
            "Syscalls in flight longer than their timeout at the host exporter's last scan."));
      }

      @Override
      public List<String> getPrometheusNames() {
        return List.of(TimedOutCollector.GAUGE);
      }
    });
    return registry;
  }
}
