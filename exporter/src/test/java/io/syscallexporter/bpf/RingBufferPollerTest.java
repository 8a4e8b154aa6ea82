package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

class RingBufferPollerTest {
  private static final Runtime RUNTIME = Runtime.getSystemRuntime();

  /**
   * A libbpf whose ring_buffer__poll plays a script: a record, a consumer that throws, a failed
   * poll, then records again.
   */
  private static LibBpf scripted(AtomicInteger polls) {
    Pointer record = Memory.allocateDirect(RUNTIME, 4);
    Pointer ring = Memory.allocateDirect(RUNTIME, 8);
    LibBpf.SampleCallback[] callback = new LibBpf.SampleCallback[1];
    return (LibBpf) Proxy.newProxyInstance(LibBpf.class.getClassLoader(),
        new Class<?>[] {LibBpf.class}, (proxy, method, args) -> switch (method.getName()) {
          case "ring_buffer__new" -> {
            callback[0] = (LibBpf.SampleCallback) args[1];
            yield ring;
          }
          case "ring_buffer__poll" -> {
            int n = polls.incrementAndGet();
            if (n == 3) {
              yield -5; // EIO
            }
            if (n <= 5) {
              record.putInt(0, n);
              callback[0].onSample(null, record, 4);
            } else {
              Thread.sleep(10);
            }
            yield 1;
          }
          case "ring_buffer__free" -> null;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  @Test
  void keepsPollingThroughFailuresAndCountsThem() throws Exception {
    AtomicInteger polls = new AtomicInteger();
    List<Integer> seen = new CopyOnWriteArrayList<>();
    try (RingBufferPoller poller = new RingBufferPoller(scripted(polls), RUNTIME, "test", 7,
        (ByteBuffer b) -> {
          int n = b.getInt(0);
          if (n == 2) {
            throw new IllegalStateException("bad record");
          }
          seen.add(n);
        })) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (seen.size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      // Record 2 threw and poll 3 failed: both counted, and records 4 and 5 still arrived.
      assertThat(seen).containsExactly(1, 4, 5);
      assertThat(poller.errors()).isEqualTo(2);
    }
  }
}
