package io.syscallexporter.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A loaded map, read through its file descriptor. Keys and values are handed out as
 * native-order ByteBuffers laid out as in bpf/syscall_exporter.h.
 *
 * <p>Thread-safe: every call goes through native buffers this map reuses (no garbage per
 * scrape), so each holds the map's own lock for as long as it uses them. Without it, a write
 * to one slot and a read of another, from two threads, could write to the slot the other named.
 */
public final class BpfMap {
  /** Big enough for the batch token of any map type (a u32 bucket index for hash maps). */
  private static final int BATCH_TOKEN_SIZE = 64;
  /** Entries per lookup_batch call: at most ~1 MiB of values per call. */
  private static final int MAX_BATCH_BYTES = 1 << 20;

  private final LibBpf lib;
  private final String name;
  private final int fd;
  private final int keySize;
  private final int valueSize;
  private final int maxEntries;
  private final Pointer key;
  private final Pointer value;
  private final int batchSize;
  private final Pointer batchKeys;
  private final Pointer batchValues;
  private final Pointer batchIn;
  private final Pointer batchOut;
  private final Pointer batchCount;
  /** One batch on the heap, reused: a scrape of a busy map makes no batch-sized garbage. */
  private final byte[] keyBytes;
  private final byte[] valueBytes;

  BpfMap(LibBpf lib, Runtime runtime, String name, int fd, int keySize, int valueSize,
      int maxEntries) {
    this.lib = lib;
    this.name = name;
    this.fd = fd;
    this.keySize = keySize;
    this.valueSize = valueSize;
    this.maxEntries = maxEntries;
    this.key = Memory.allocateDirect(runtime, keySize, true);
    this.value = Memory.allocateDirect(runtime, valueSize, true);
    this.batchSize = Math.max(1, Math.min(maxEntries, MAX_BATCH_BYTES / (keySize + valueSize)));
    this.batchKeys = Memory.allocateDirect(runtime, (long) batchSize * keySize);
    this.batchValues = Memory.allocateDirect(runtime, (long) batchSize * valueSize);
    this.batchIn = Memory.allocateDirect(runtime, BATCH_TOKEN_SIZE, true);
    this.batchOut = Memory.allocateDirect(runtime, BATCH_TOKEN_SIZE, true);
    this.batchCount = Memory.allocateDirect(runtime, 4, true);
    this.keyBytes = new byte[batchSize * keySize];
    this.valueBytes = new byte[batchSize * valueSize];
  }

  public int maxEntries() {
    return maxEntries;
  }

  /**
   * Calls {@code action} with each entry, reading them in batches: one syscall per batch
   * instead of two per entry. Entries added or deleted meanwhile may be seen or not. The
   * buffers passed are reused: they are valid only during the call, and {@code action} must not
   * call this map (it holds the map's lock, and the buffers are the map's).
   */
  public synchronized void forEach(BiConsumer<ByteBuffer, ByteBuffer> action) {
    Pointer in = null;
    while (true) {
      batchCount.putInt(0, batchSize);
      int rc = lib.bpf_map_lookup_batch(fd, in, batchOut, batchKeys, batchValues, batchCount,
          null);
      if (rc < 0 && rc != -Errno.ENOENT) {
        check(rc, "read a batch of");
      }
      int n = batchCount.getInt(0);
      if (n > 0) {
        batchKeys.get(0, keyBytes, 0, n * keySize);
        batchValues.get(0, valueBytes, 0, n * valueSize);
        ByteBuffer keys = ByteBuffer.wrap(keyBytes);
        ByteBuffer values = ByteBuffer.wrap(valueBytes);
        for (int i = 0; i < n; i++) {
          action.accept(keys.slice(i * keySize, keySize).order(ByteOrder.nativeOrder()),
              values.slice(i * valueSize, valueSize).order(ByteOrder.nativeOrder()));
        }
      }
      if (rc == -Errno.ENOENT) {
        return; // the last batch, possibly with entries
      }
      batchIn.transferFrom(0, batchOut, 0, BATCH_TOKEN_SIZE);
      in = batchIn;
    }
  }

  /** Reads the value at {@code keyBytes}, or returns null when there is none. */
  public synchronized ByteBuffer lookup(byte[] keyBytes) {
    key.put(0, keyBytes, 0, keySize);
    int rc = lib.bpf_map_lookup_elem(fd, key, value);
    if (rc == -Errno.ENOENT) {
      return null;
    }
    check(rc, "read");
    return copy(value, valueSize);
  }

  /**
   * Deletes these keys (each keySize bytes, back to back), in batches of one syscall each, and
   * returns how many the kernel deleted.
   */
  public synchronized int deleteBatch(byte[] keys) {
    int total = keys.length / keySize;
    int deleted = 0;
    for (int done = 0; done < total; ) {
      int n = Math.min(batchSize, total - done);
      batchKeys.put(0, keys, done * keySize, n * keySize);
      batchCount.putInt(0, n);
      int rc = lib.bpf_map_delete_batch(fd, batchKeys, batchCount, null);
      if (rc < 0 && rc != -Errno.ENOENT) {
        check(rc, "delete a batch from");
      }
      deleted += batchCount.getInt(0);
      done += n;
    }
    return deleted;
  }

  /** Deletes the entry at {@code keyBytes}; false if there was none. */
  public synchronized boolean delete(byte[] keyBytes) {
    key.put(0, keyBytes, 0, keySize);
    int rc = lib.bpf_map_delete_elem(fd, key);
    if (rc == -Errno.ENOENT) {
      return false;
    }
    check(rc, "delete from");
    return true;
  }

  /** Writes {@code valueBytes} at {@code keyBytes} (for the array maps user space sets). */
  public synchronized void update(byte[] keyBytes, byte[] valueBytes) {
    key.put(0, keyBytes, 0, keySize);
    value.put(0, valueBytes, 0, valueSize);
    check(lib.bpf_map_update_elem(fd, key, value, 0), "write");
  }

  /** Pushes {@code valueBytes} onto a queue or stack map (which has no keys). */
  public synchronized void push(byte[] valueBytes) {
    value.put(0, valueBytes, 0, valueSize);
    check(lib.bpf_map_update_elem(fd, null, value, 0), "push onto");
  }

  private static ByteBuffer copy(Pointer from, int size) {
    byte[] bytes = new byte[size];
    from.get(0, bytes, 0, size);
    return ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder());
  }

  private void check(int rc, String what) {
    if (rc < 0) {
      throw new BpfException("cannot " + what + " BPF map " + name + ": " + Errno.describe(-rc), -rc);
    }
  }
}
