package io.syscallexporter.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsModelBridgeTest {
  @Test
  void aFailureOfOursNeverFailsTheServicesScrape() {
    PrometheusRegistry service = new PrometheusRegistry();
    Counter.builder().name("requests_total").register(service).inc();
    service.register(new MetricsModelBridge(() -> {
      throw new IllegalStateException("broken");
    }, List.of("syscall_duration_seconds")));
    assertThat(service.scrape().size()).as("the service's own metric, scraped").isEqualTo(1);
  }
}
