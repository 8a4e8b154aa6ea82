package io.syscallexporter.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SimpleclientBridgeTest {
  @Test
  void aFailureOfOursNeverFailsTheServicesScrape() {
    CollectorRegistry service = new CollectorRegistry();
    Counter.build("requests", "requests").register(service).inc();
    AtomicBoolean broken = new AtomicBoolean();
    service.register(new SimpleclientBridge(() -> {
      if (broken.get()) {
        throw new IllegalStateException("broken");
      }
      return List.<Map<String, Object>>of();
    }, List::of));
    broken.set(true);
    assertThat(Collections.list(service.metricFamilySamples())).extracting(f -> f.name)
        .containsExactly("requests");
  }
}
