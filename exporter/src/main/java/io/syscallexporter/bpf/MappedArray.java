package io.syscallexporter.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.Pointer;

/**
 * An array map (BPF_F_MMAPABLE) mapped into this process: its values are read straight from the
 * memory the programs write, with no syscall per value. A value read while a program adds to it
 * may show part of the add, as the kernel's own lookup may; values no program writes any more
 * (a drained generation's) read exactly.
 */
public final class MappedArray implements AutoCloseable {
  private final String name;
  private final Pointer base;
  private final long length;
  private final int valueSize;
  private final int stride;
  private final int maxEntries;
  private final byte[] scratch;
  /** Guarded by this: a read after munmap would crash the JVM, not throw. */
  private boolean closed;

  MappedArray(String name, Pointer base, long length, int valueSize, int maxEntries) {
    this.name = name;
    this.base = base;
    this.length = length;
    this.valueSize = valueSize;
    this.stride = (valueSize + 7) / 8 * 8; // the kernel's element size
    this.maxEntries = maxEntries;
    this.scratch = new byte[valueSize];
  }

  /** Bytes to map for an array of this shape: whole pages, as the kernel requires. */
  static long length(int valueSize, int maxEntries, long pageSize) {
    long bytes = (long) (valueSize + 7) / 8 * 8 * maxEntries;
    return (bytes + pageSize - 1) / pageSize * pageSize;
  }

  public int maxEntries() {
    return maxEntries;
  }

  /**
   * The value at {@code index}, in a buffer this array reuses (no garbage per scrape): valid only
   * until the next call.
   */
  public synchronized ByteBuffer value(int index) {
    check(index);
    base.get((long) index * stride, scratch, 0, valueSize);
    return ByteBuffer.wrap(scratch).order(ByteOrder.nativeOrder());
  }

  /** One u64 of the value at {@code index}. */
  public synchronized long getLong(int index, int offset) {
    return base.getLong(at(index, offset));
  }

  /** Writes one u64 of the value at {@code index}: the programs' next load sees it. */
  public synchronized void putLong(int index, int offset, long value) {
    base.putLong(at(index, offset), value);
  }

  private long at(int index, int offset) {
    check(index);
    if (offset < 0 || offset + 8 > valueSize) {
      throw new BpfException("offset " + offset + " out of BPF map " + name + "'s values", 0);
    }
    return (long) index * stride + offset;
  }

  private void check(int index) {
    if (closed) {
      throw new BpfException("BPF map " + name + " is closed", 0);
    }
    if (index < 0 || index >= maxEntries) {
      throw new BpfException("index " + index + " out of BPF map " + name + " ("
          + maxEntries + " entries)", 0);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      BpfObject.LIBC.munmap(base, length);
    }
  }
}
