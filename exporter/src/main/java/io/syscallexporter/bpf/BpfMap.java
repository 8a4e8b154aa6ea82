package io.syscallexporter.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.BiConsumer;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * A loaded map, read through its file descriptor. Keys and values are handed out as
 * native-order ByteBuffers laid out as in bpf/syscall_exporter.h. Not thread-safe: each
 * reader owns its BpfMap.
 */
public final class BpfMap {
  private static final int ENOENT = 2;

  private final LibBpf lib;
  private final String name;
  private final int fd;
  private final int keySize;
  private final int valueSize;
  private final int maxEntries;
  private final Pointer key;
  private final Pointer nextKey;
  private final Pointer value;

  BpfMap(LibBpf lib, Runtime runtime, String name, int fd, int keySize, int valueSize,
      int maxEntries) {
    this.lib = lib;
    this.name = name;
    this.fd = fd;
    this.keySize = keySize;
    this.valueSize = valueSize;
    this.maxEntries = maxEntries;
    this.key = Memory.allocateDirect(runtime, keySize, true);
    this.nextKey = Memory.allocateDirect(runtime, keySize, true);
    this.value = Memory.allocateDirect(runtime, valueSize, true);
  }

  public String name() {
    return name;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /**
   * Calls {@code action} with each entry. Entries added or deleted while iterating may be seen or
   * not; an entry deleted between reading its key and its value is skipped.
   */
  public void forEach(BiConsumer<ByteBuffer, ByteBuffer> action) {
    Pointer current = null;
    while (true) {
      int rc = lib.bpf_map_get_next_key(fd, current, nextKey);
      if (rc == -ENOENT) {
        return;
      }
      check(rc, "iterate");
      key.transferFrom(0, nextKey, 0, keySize);
      current = key;
      rc = lib.bpf_map_lookup_elem(fd, key, value);
      if (rc == -ENOENT) {
        continue;
      }
      check(rc, "read");
      action.accept(copy(key, keySize), copy(value, valueSize));
    }
  }

  /** Number of entries, by iterating the keys (the kernel keeps no count we can read cheaply). */
  public int size() {
    int n = 0;
    Pointer current = null;
    while (lib.bpf_map_get_next_key(fd, current, nextKey) == 0) {
      key.transferFrom(0, nextKey, 0, keySize);
      current = key;
      n++;
    }
    return n;
  }

  /** Reads the value at {@code keyBytes}, or returns null when there is none. */
  public ByteBuffer lookup(byte[] keyBytes) {
    key.put(0, keyBytes, 0, keySize);
    int rc = lib.bpf_map_lookup_elem(fd, key, value);
    if (rc == -ENOENT) {
      return null;
    }
    check(rc, "read");
    return copy(value, valueSize);
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
