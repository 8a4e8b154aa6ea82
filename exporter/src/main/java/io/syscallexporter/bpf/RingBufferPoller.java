package io.syscallexporter.bpf;

import io.syscallexporter.Threads;
import io.syscallexporter.Log;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * Polls one BPF ring buffer on a daemon thread and hands each record to a consumer. A failed
 * poll or a consumer that throws does not end the thread: it is logged, counted, and polling
 * goes on (after a second, for a failed poll), so events never stop silently.
 */
public final class RingBufferPoller implements AutoCloseable {
  private static final int POLL_TIMEOUT_MS = 100;
  private static final long RETRY_MILLIS = 1000;

  private final LibBpf lib;
  // Native code calls back into this object: it must stay reachable while the buffer exists.
  private final LibBpf.SampleCallback callback;
  private final Pointer ringBuffer;
  private final Thread thread;
  private final String name;
  private final AtomicLong errors = new AtomicLong();
  private volatile boolean running = true;

  /** Starts polling; package-private so tests can drive it with a fake LibBpf. */
  RingBufferPoller(LibBpf lib, Runtime runtime, String name, int mapFd,
      Consumer<ByteBuffer> consumer) {
    this.lib = lib;
    this.name = name;
    this.callback = (ctx, data, size) -> {
      byte[] bytes = new byte[(int) size];
      data.get(0, bytes, 0, bytes.length);
      try {
        consumer.accept(ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()));
      } catch (RuntimeException e) {
        failed("handling a record failed", e.toString());
      }
      return 0;
    };
    this.ringBuffer = lib.ring_buffer__new(mapFd, callback, null, null);
    if (ringBuffer == null) {
      int errno = LastError.getLastError(runtime);
      throw new BpfException("cannot open ring buffer " + name + ": " + Errno.describe(errno),
          errno);
    }
    this.thread = Threads.start("ringbuf", this::run);
  }

  private void run() {
    while (running) {
      int rc = lib.ring_buffer__poll(ringBuffer, POLL_TIMEOUT_MS);
      if (rc < 0 && rc != -Errno.EINTR) {
        failed("poll failed", Errno.describe(-rc));
        try {
          Thread.sleep(RETRY_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private void failed(String what, String err) {
    errors.incrementAndGet();
    Log.error("ring buffer " + name + ": " + what + "; polling goes on", "err", err);
  }

  /** Failed polls and records whose handling threw. */
  public long errors() {
    return errors.get();
  }

  /** Stops polling and frees the buffer once the polling thread is out of native code. */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(2 * POLL_TIMEOUT_MS + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      lib.ring_buffer__free(ringBuffer);
    }
  }
}
