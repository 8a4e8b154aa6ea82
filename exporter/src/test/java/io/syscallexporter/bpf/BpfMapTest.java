package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

class BpfMapTest {
  private static final Runtime RUNTIME = Runtime.getSystemRuntime();
  private static final int SLOTS = 4;

  /**
   * An array map of u64 slots behind a fake libbpf that, like the kernel, reads the key and the
   * value from the caller's buffers at different moments (a yield in between widens the gap).
   */
  private static LibBpf arrayMap(long[] slots) {
    return (LibBpf) Proxy.newProxyInstance(LibBpf.class.getClassLoader(),
        new Class<?>[] {LibBpf.class}, (proxy, method, args) -> switch (method.getName()) {
          case "bpf_map_update_elem" -> {
            int slot = ((Pointer) args[1]).getInt(0);
            Thread.yield();
            slots[slot] = ((Pointer) args[2]).getLong(0);
            yield 0;
          }
          case "bpf_map_lookup_elem" -> {
            int slot = ((Pointer) args[1]).getInt(0);
            Thread.yield();
            ((Pointer) args[2]).putLong(0, slots[slot]);
            yield 0;
          }
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }

  private static byte[] u32(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, v).array();
  }

  private static byte[] u64(long v) {
    return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(0, v).array();
  }

  /**
   * The drain's race: one thread switching the generation slot while others read the insert
   * counter. Each thread owns a slot and writes only its own value there; any other value in a
   * slot, or read back from one, is a call that used another call's key or value.
   */
  @Test
  void callsFromSeveralThreadsNeverUseEachOthersKeyOrValue() throws Exception {
    long[] slots = new long[SLOTS];
    BpfMap map = new BpfMap(arrayMap(slots), RUNTIME, "drain", 3, 4, 8, SLOTS);
    int rounds = 20_000;
    CountDownLatch go = new CountDownLatch(1);
    AtomicLong wrong = new AtomicLong();
    ConcurrentHashMap.KeySetView<String, Boolean> seen = ConcurrentHashMap.newKeySet();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < SLOTS; t++) {
      int slot = t;
      long mine = 1000 + t;
      Thread thread = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < rounds; i++) {
          map.update(u32(slot), u64(mine));
          long read = map.lookup(u32(slot)).getLong(0);
          if (read != mine) {
            wrong.incrementAndGet();
            seen.add("slot " + slot + " read " + read);
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    assertThat(wrong.get()).as("reads of another thread's value: %s", seen).isZero();
    for (int t = 0; t < SLOTS; t++) {
      assertThat(slots[t]).as("slot %d holds only what its thread wrote", t).isEqualTo(1000 + t);
    }
  }
}
