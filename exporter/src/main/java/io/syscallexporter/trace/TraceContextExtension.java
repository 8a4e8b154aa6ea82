package io.syscallexporter.trace;

import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizer;
import io.opentelemetry.sdk.autoconfigure.spi.AutoConfigurationCustomizerProvider;

/**
 * Publishes each thread's current span for the kernel to read, from inside the OpenTelemetry
 * Java agent ({@code -Dotel.javaagent.extensions=} this jar) or an SDK that autoconfigures:
 * both load this provider while they start, before their context storage is first used, which
 * is when a wrapper can still be added. It customises nothing.
 */
public final class TraceContextExtension implements AutoConfigurationCustomizerProvider {
  static final boolean INSTALLED = ContextPublishingStorage.install();

  @Override
  public void customize(AutoConfigurationCustomizer customizer) {}
}
