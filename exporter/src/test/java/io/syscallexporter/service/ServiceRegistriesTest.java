package io.syscallexporter.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.syscallexporter.collect.FakeKernel;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.SlowEvent;
import io.syscallexporter.collect.ThreadNames;
import io.syscallexporter.collect.TraceContext;
import io.syscallexporter.config.Flags;
import io.syscallexporter.metrics.HistogramTotals;
import io.syscallexporter.metrics.LabelBudget;
import io.syscallexporter.metrics.SyscallLatencyCollector;
import io.syscallexporter.metrics.TraceExemplars;
import io.syscallexporter.syscalls.SyscallTable;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;

/**
 * The bridge as a service's registry runs it: the real client_java and simpleclient registries,
 * our real collector over a fake kernel, the bridge's classes defined from the jar's bytes.
 */
class ServiceRegistriesTest {
  private final FakeKernel kernel = new FakeKernel();
  private final ServiceRegistries registries;
  private final TraceExemplars exemplars;

  ServiceRegistriesTest() throws Exception {
    var config = Flags.parse();
    LabelBudget budget =
        new LabelBudget(SyscallTable.forArch("x86_64"), config, null, ThreadNames.HOST);
    exemplars = new TraceExemplars(budget, config);
    SyscallLatencyCollector ours = new SyscallLatencyCollector(
        new HistogramTotals(kernel, budget, config), config, exemplars);
    registries = new ServiceRegistries(ours::collect);
  }

  @Test
  void aClientJavaRegistryServesOurSeriesBesideItsOwn() throws Exception {
    PrometheusRegistry service = new PrometheusRegistry();
    Counter.builder().name("requests_total").register(service).inc();
    assertThat(registries.join(service)).isTrue();
    assertThat(registries.join(service)).as("once").isFalse();
    assertThat(registries.scraped()).as("not yet scraped").isFalse();

    kernel.histograms.add(FakeKernel.entry("db", 0, 20_000_000L, 5)); // 5 x 20 ms read
    assertThat(text(service)).doesNotContain("syscall=\"read\""); // not before the next refresh
    registries.refresh();
    assertThat(text(service)).contains("requests_total 1.0",
        "syscall_duration_seconds_count{process=\"db\",syscall=\"read\"} 5",
        "syscall_duration_seconds_bucket{process=\"db\",syscall=\"read\",le=\"0.015625\"} 0",
        "syscall_duration_seconds_bucket{process=\"db\",syscall=\"read\",le=\"0.0625\"} 5",
        "syscall_slow_total{process=\"db\",syscall=\"read\"} 0.0");
    assertThat(registries.scraped()).isTrue();
    // The native buckets too, for the protobuf format.
    for (MetricSnapshot s : service.scrape()) {
      if (s instanceof HistogramSnapshot h) {
        var p = h.getDataPoints().get(0);
        assertThat(p.hasNativeHistogramData()).isTrue();
        assertThat(p.getNativeBucketsForPositiveValues().getCount(0)).isEqualTo(5);
      }
    }
  }

  @Test
  void theBridgeIsDefinedFromTheJarsBytesInAChildOfTheRegistrysLoader() throws Exception {
    ClassLoader bridges = new BridgeLoader(PrometheusRegistry.class.getClassLoader());
    Class<?> bridge = bridges.loadClass("io.syscallexporter.bridge.MetricsModelBridge");
    assertThat(bridge.getClassLoader()).isSameAs(bridges);
    assertThat(bridges.loadClass(PrometheusRegistry.class.getName()))
        .isSameAs(PrometheusRegistry.class);
  }

  @Test
  void aRegistryThatHasOneOfOurNamesIsLeftAlone() throws Exception {
    PrometheusRegistry service = new PrometheusRegistry();
    // As jmx_exporter's collector, mapping our own MBeans with our config, would name it.
    Gauge.builder().name("syscall_duration_seconds").register(service).set(1);
    assertThat(registries.join(service)).isFalse();
    assertThat(text(service)).contains("syscall_duration_seconds 1.0")
        .doesNotContain("syscall_slow");
  }

  @Test
  void aSimpleclientRegistryServesTheClassicBuckets() throws Exception {
    CollectorRegistry service = new CollectorRegistry();
    io.prometheus.client.Counter.build("requests", "requests").register(service).inc();
    kernel.histograms.add(FakeKernel.entry("db", 0, 20_000_000L, 5));
    registries.refresh();
    assertThat(registries.join(service)).isTrue();
    // Registration describes the collector: no scrape, so the host keeps the series.
    assertThat(registries.scraped()).isFalse();
    StringWriter out = new StringWriter();
    TextFormat.write004(out, service.metricFamilySamples());
    assertThat(out.toString()).contains("requests_total 1.0",
        "syscall_duration_seconds_count{process=\"db\",syscall=\"read\",} 5.0",
        "syscall_duration_seconds_bucket{process=\"db\",syscall=\"read\",le=\"0.0625\",} 5.0",
        "syscall_duration_seconds_bucket{process=\"db\",syscall=\"read\",le=\"+Inf\",} 5.0",
        "syscall_duration_seconds_sum{process=\"db\",syscall=\"read\",} 0.1",
        "# TYPE syscall_slow_total counter",
        "syscall_slow_total{process=\"db\",syscall=\"read\",} 0.0");
    assertThat(registries.scraped()).isTrue();
  }

  @Test
  void aSlowCallsTraceIsAnExemplarOnEitherClientsEndpoint() throws Exception {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    kernel.histograms.add(FakeKernel.entry("db", 74, 300_000_000L, 3)); // 3 x 300 ms fsync
    exemplars.accept(new SlowEvent(300_000_000L, 7, 7, 7, 74, "w", "db",
        new SeriesKey("db", 0, 74), new TraceContext(trace, "00f067aa0ba902b7", true)));
    String exemplar = "le=\"1.0\"} 3 # {span_id=\"00f067aa0ba902b7\",trace_id=\"" + trace
        + "\"} 0.3 ";

    PrometheusRegistry clientJava = new PrometheusRegistry();
    assertThat(registries.join(clientJava)).isTrue();
    registries.refresh();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new OpenMetricsTextFormatWriter(false, false).write(out, clientJava.scrape());
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(exemplar);

    CollectorRegistry simpleclient = new CollectorRegistry();
    assertThat(registries.join(simpleclient)).isTrue();
    StringWriter text = new StringWriter();
    TextFormat.writeOpenMetrics100(text, simpleclient.metricFamilySamples());
    assertThat(text.toString()).contains("le=\"1.0\"} 3.0 # {span_id=\"00f067aa0ba902b7\","
        + "trace_id=\"" + trace + "\"} 0.3 ");
  }

  private static String text(PrometheusRegistry registry) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new PrometheusTextFormatWriter(false).write(out, registry.scrape());
    return out.toString(StandardCharsets.UTF_8);
  }

  /**
   * jmx_exporter's agent jar carries an unrelocated client_java: its registry is that agent's
   * endpoint, never joined (with our rules for it, a scrape there failed on duplicate names).
   */
  @Test
  void aRegistryFromAnotherJavaAgentsJarIsNotTheServices() throws Exception {
    Path dir = Files.createTempDirectory("agentjar");
    Path jarPath = dir.resolve("some_javaagent.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().putValue("Premain-Class", "Agent");
    String entry = PrometheusRegistry.class.getName().replace('.', '/') + ".class";
    try (JarOutputStream jar = new JarOutputStream(
        Files.newOutputStream(jarPath), manifest);
        InputStream in = PrometheusRegistry.class.getClassLoader()
            .getResourceAsStream(entry)) {
      jar.putNextEntry(new ZipEntry(entry));
      in.transferTo(jar);
    }
    try (URLClassLoader loader = new URLClassLoader(
        new URL[] {jarPath.toUri().toURL()}, null)) {
      Class<?> fromAgent = Class.forName(PrometheusRegistry.class.getName(), false, loader);
      assertThat(ServiceRegistries.agentJarOf(fromAgent)).isEqualTo("some_javaagent.jar");
    }
    // The service's own: a jar without Premain-Class (Maven's client_java here).
    assertThat(ServiceRegistries.agentJarOf(PrometheusRegistry.class)).isNull();
  }
}
