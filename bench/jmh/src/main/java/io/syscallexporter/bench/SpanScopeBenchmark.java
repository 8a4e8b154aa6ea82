package io.syscallexporter.bench;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import io.syscallexporter.trace.ContextPublishingStorage;
import io.syscallexporter.trace.ThreadContextRecord;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What trace exemplars add to a service's every span: making a span current and closing its
 * scope, with OpenTelemetry's own context storage and with it wrapped to publish the thread's
 * trace context record (registered once with the kernel, by a pwrite to /dev/null).
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SpanScopeBenchmark {
  private final ContextStorage plain = ContextStorage.defaultStorage();
  private final ContextStorage publishing = ContextPublishingStorage.wrap(plain);
  private Context request;
  /** Two requests taken in turn: each scope is another span's, whose ids are written anew. */
  private final Context[] requests = new Context[2];
  private int turn;

  @Setup
  public void setUp() {
    System.setProperty(ThreadContextRecord.COOKIE_PROPERTY,
        Long.toHexString(ThreadContextRecord.newCookie()));
    request = span("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    requests[0] = request;
    requests[1] = span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");
  }

  private static Context span(String traceId, String spanId) {
    return Context.root().with(Span.wrap(SpanContext.create(traceId, spanId,
        TraceFlags.getSampled(), TraceState.getDefault())));
  }

  /** The same span made current again and again (a scope closed back to it, async resumes). */
  @Benchmark
  public Context sameSpanAsOpenTelemetryHasIt() {
    try (Scope scope = plain.attach(request)) {
      return plain.current();
    }
  }

  @Benchmark
  public Context sameSpanPublishedForTheKernel() {
    try (Scope scope = publishing.attach(request)) {
      return publishing.current();
    }
  }

  /** Each scope another span's. */
  @Benchmark
  public Context newSpanAsOpenTelemetryHasIt() {
    try (Scope scope = plain.attach(requests[turn++ & 1])) {
      return plain.current();
    }
  }

  @Benchmark
  public Context newSpanPublishedForTheKernel() {
    try (Scope scope = publishing.attach(requests[turn++ & 1])) {
      return publishing.current();
    }
  }
}
