package io.syscallexporter.trace;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextStorage;
import io.opentelemetry.context.Scope;
import io.syscallexporter.jvm.CarrierRecords;

/**
 * An OpenTelemetry context storage that publishes, in the thread's {@link ThreadContextRecord},
 * the span current on each thread: set when a context is attached, put back to the outer one
 * when its scope closes. Every span the tracer makes current goes through here, its own
 * instrumentation's and the application's alike. A virtual thread publishes through the carrier
 * records ({@link CarrierRecords}): kept with the virtual thread, and written into the record
 * of the carrier it is mounted on, now and at each later mount.
 */
public final class ContextPublishingStorage implements ContextStorage {
  private final ContextStorage delegate;

  private ContextPublishingStorage(ContextStorage delegate) {
    this.delegate = delegate;
  }

  /**
   * Wraps OpenTelemetry's context storage: takes effect only before the storage is first used
   * ({@link ContextStorage#addWrapper}), hence from a static initialiser that the tracer runs
   * while it starts ({@link TraceContextExtension}). False when it came too late.
   */
  public static boolean install() {
    try {
      ContextStorage.addWrapper(ContextPublishingStorage::wrap);
      return true;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** {@code storage}, publishing each thread's current span. */
  public static ContextStorage wrap(ContextStorage storage) {
    return new ContextPublishingStorage(storage);
  }

  @Override
  public Scope attach(Context toAttach) {
    Scope scope = delegate.attach(toAttach);
    ThreadContextRecord record = ThreadContextRecord.current();
    if (record == null) {
      if (!ThreadContextRecord.isVirtualThread() || !publishVirtual(toAttach)) {
        return scope;
      }
      return () -> {
        scope.close();
        publishVirtual(delegate.current());
      };
    }
    publish(record, toAttach);
    return () -> {
      scope.close();
      publish(record, delegate.current());
    };
  }

  @Override
  public Context current() {
    return delegate.current();
  }

  @Override
  public Context root() {
    return delegate.root();
  }

  private static void publish(ThreadContextRecord record, Context context) {
    SpanContext span = spanOf(context);
    if (span.isValid()) {
      record.publish(span.getTraceId(), span.getSpanId(), span.getTraceFlags().asByte());
    } else {
      record.clear();
    }
  }

  /** On a virtual thread; false when this JVM has no carrier records. */
  private static boolean publishVirtual(Context context) {
    SpanContext span = spanOf(context);
    if (!span.isValid()) {
      CarrierRecords.clear();
      return true;
    }
    String trace = span.getTraceId();
    return CarrierRecords.publish(ThreadContextRecord.hexLong(trace, 0),
        ThreadContextRecord.hexLong(trace, 16), ThreadContextRecord.hexLong(span.getSpanId(), 0),
        span.getTraceFlags().asByte());
  }

  private static SpanContext spanOf(Context context) {
    return context == null ? SpanContext.getInvalid()
        : Span.fromContext(context).getSpanContext();
  }
}
