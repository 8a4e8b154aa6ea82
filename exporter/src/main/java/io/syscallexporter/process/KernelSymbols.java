package io.syscallexporter.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names kernel code addresses ({@code function+0xoffset}) from /proc/kallsyms, which shows
 * addresses only to readers with CAP_SYSLOG (and kernel.kptr_restrict below 2); other addresses
 * stay hex. One pass over the file per batch of unknown addresses, not a resident copy of its
 * ~100,000 symbols; names found are cached, since stuck threads sleep in the same few places.
 */
public class KernelSymbols {
  /** Distinct addresses remembered; a stuck-call storm does not grow the heap past this. */
  static final int CACHE_SIZE = 4096;

  private final Path kallsyms;
  private final Map<Long, String> cache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, String> eldest) {
      return size() > CACHE_SIZE;
    }
  };

  public KernelSymbols() {
    this(Path.of("/proc/kallsyms"));
  }

  public KernelSymbols(Path kallsyms) {
    this.kallsyms = kallsyms;
  }

  /** Each address as {@code function+0xoffset}, or as hex when no symbol covers it. */
  public synchronized Map<Long, String> symbolize(Collection<Long> addresses) {
    long[] wanted = addresses.stream().filter(a -> !cache.containsKey(a))
        .mapToLong(Long::longValue).distinct().sorted().toArray();
    if (wanted.length > 0) {
      lookUp(wanted);
    }
    Map<Long, String> out = new HashMap<>();
    for (Long a : addresses) {
      out.put(a, cache.get(a));
    }
    return out;
  }

  /** Convenience for one stack, innermost frame first. */
  public List<String> symbolize(long[] stack) {
    Map<Long, String> names = symbolize(Arrays.stream(stack).boxed().toList());
    return Arrays.stream(stack).mapToObj(names::get).toList();
  }

  /**
   * Finds, for each wanted address (sorted), the nearest code symbol at or below it. best[] stays
   * non-decreasing, so each symbol updates a run of wanted addresses and stops at the first one
   * that already has a symbol as close.
   */
  private void lookUp(long[] wanted) {
    long[] best = new long[wanted.length];
    String[] names = new String[wanted.length];
    try (BufferedReader r = Files.newBufferedReader(kallsyms, StandardCharsets.US_ASCII)) {
      for (String line; (line = r.readLine()) != null; ) {
        String[] f = line.split("\\s+");
        if (f.length < 3 || !isCode(f[1]) || f[2].startsWith("__pfx_")) {
          continue;
        }
        long address = Long.parseUnsignedLong(f[0], 16);
        if (address == 0) {
          continue; // hidden from this reader
        }
        int i = Arrays.binarySearch(wanted, address);
        for (int j = i >= 0 ? i : -i - 1; j < wanted.length
            && Long.compareUnsigned(best[j], address) < 0; j++) {
          best[j] = address;
          names[j] = f[2];
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable or unexpected: the addresses stay hex
    }
    for (int j = 0; j < wanted.length; j++) {
      cache.put(wanted[j], names[j] == null ? "0x" + Long.toHexString(wanted[j])
          : names[j] + "+0x" + Long.toHexString(wanted[j] - best[j]));
    }
  }

  private static boolean isCode(String type) {
    return type.equals("t") || type.equals("T") || type.equals("w") || type.equals("W");
  }
}
