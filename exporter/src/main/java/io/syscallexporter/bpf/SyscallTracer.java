package io.syscallexporter.bpf;

import io.syscallexporter.collect.HistogramEntry;
import io.syscallexporter.collect.InflightEntry;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.LatencyBuckets;
import io.syscallexporter.collect.SeriesKey;
import io.syscallexporter.collect.SlowEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * bpf/syscall_exporter.bpf.c, loaded and attached: the real {@link KernelSource}. Closing it
 * detaches every program.
 */
public final class SyscallTracer implements KernelSource, AutoCloseable {
  static final String OBJECT_RESOURCE = "/bpf/syscall_exporter.bpf.o";
  static final List<String> PROGRAMS = List.of("sys_enter", "sys_exit", "thread_exit");
  private static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

  private final BpfObject object;
  private final BpfMap hist;
  private final BpfMap inflight;
  private final BpfMap errors;
  private final int possibleCpus;
  /** Entries seen by the last full read of each map: counting them again costs a syscall each. */
  private volatile int histEntries;
  private volatile int inflightEntries;

  /**
   * Load-time settings of the BPF programs; {@code slowPolicy} holds a Layouts.SLOW_* value per
   * syscall number.
   */
  public record Settings(Duration slowThreshold, boolean perPid, byte[] slowPolicy) {}

  private SyscallTracer(BpfObject object, int possibleCpus) {
    this.object = object;
    this.possibleCpus = possibleCpus;
    this.hist = object.map("hist", Layouts.HistKey.SIZE, Layouts.HistValue.SIZE);
    this.inflight = object.map("inflight", 4, Layouts.Inflight.SIZE);
    this.errors = object.map("errors", 4, 8 * possibleCpus);
  }

  /** Loads and attaches the programs, or throws a BpfException that says what to do. */
  public static SyscallTracer start(Settings settings) {
    if (!Files.isReadable(VMLINUX_BTF)) {
      throw new BpfException("this kernel has no BTF (" + VMLINUX_BTF + " is missing): run a"
          + " kernel built with CONFIG_DEBUG_INFO_BTF=y (most distributions since 2020 are)", 0);
    }
    Capabilities.requireBpf();
    BpfObject object = BpfObject.open("syscall_exporter", readObject());
    try {
      object.setRodata(rodata(settings));
      object.load();
      SyscallTracer tracer = new SyscallTracer(object, possibleCpus());
      PROGRAMS.forEach(object::attach);
      return tracer;
    } catch (RuntimeException e) {
      object.close();
      throw e;
    }
  }

  static byte[] rodata(Settings settings) {
    ByteBuffer b = ByteBuffer.allocate(Layouts.Config.SIZE).order(ByteOrder.nativeOrder());
    b.putLong(Layouts.Config.SLOW_THRESHOLD_NS, settings.slowThreshold().toNanos());
    b.putInt(Layouts.Config.PER_PID, settings.perPid() ? 1 : 0);
    long[] bounds = LatencyBuckets.kernelBoundTable();
    for (int k = 0; k < bounds.length; k++) {
      b.putLong(Layouts.Config.BOUNDS_NS + 8 * k, bounds[k]);
    }
    b.put(Layouts.Config.SLOW_POLICY, settings.slowPolicy(), 0, Layouts.POLICY_SLOTS);
    return b.array();
  }

  private static byte[] readObject() {
    try (InputStream in = SyscallTracer.class.getResourceAsStream(OBJECT_RESOURCE)) {
      if (in == null) {
        throw new BpfException(OBJECT_RESOURCE + " is missing from the jar: rebuild with mvn"
            + " package (it needs clang and bpftool)", 0);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The kernel sizes per-CPU values by possible CPUs ("0-63"), not online ones. */
  static int possibleCpus() {
    try {
      return parseCpuRange(Files.readString(Path.of("/sys/devices/system/cpu/possible")).trim());
    } catch (IOException e) {
      return java.lang.Runtime.getRuntime().availableProcessors();
    }
  }

  static int parseCpuRange(String ranges) {
    int max = -1;
    for (String part : ranges.split(",")) {
      String[] ends = part.split("-");
      max = Math.max(max, Integer.parseInt(ends[ends.length - 1].trim()));
    }
    return max + 1;
  }

  @Override
  public List<HistogramEntry> histograms() {
    List<HistogramEntry> out = new ArrayList<>();
    synchronized (hist) {
      hist.forEach((key, value) -> {
        long[] buckets = new long[LatencyBuckets.COUNT];
        for (int k = 0; k < buckets.length; k++) {
          buckets[k] = value.getLong(Layouts.HistValue.BUCKETS + 8 * k);
        }
        out.add(new HistogramEntry(new SeriesKey(comm(key, Layouts.HistKey.PROCESS),
            key.getInt(Layouts.HistKey.PID), key.getInt(Layouts.HistKey.NR)),
            value.getLong(Layouts.HistValue.SUM_NS), value.getLong(Layouts.HistValue.SLOW),
            buckets));
      });
    }
    histEntries = out.size();
    return out;
  }

  @Override
  public List<InflightEntry> inflight() {
    List<InflightEntry> out = new ArrayList<>();
    synchronized (inflight) {
      int[] entries = {0};
      inflight.forEach((key, value) -> {
        entries[0]++;
        long start = value.getLong(Layouts.Inflight.START_NS);
        if (start != 0) {
          out.add(new InflightEntry(key.getInt(0), value.getInt(Layouts.Inflight.PID),
              value.getInt(Layouts.Inflight.NR), start, value.getLong(Layouts.Inflight.ARG0)));
        }
      });
      inflightEntries = entries[0];
    }
    return out;
  }

  @Override
  public long[] errors() {
    long[] totals = new long[Layouts.ERR_COUNT];
    synchronized (errors) {
      for (int i = 0; i < totals.length; i++) {
        ByteBuffer key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(0, i);
        ByteBuffer perCpu = errors.lookup(key.array());
        for (int cpu = 0; perCpu != null && cpu < possibleCpus; cpu++) {
          totals[i] += perCpu.getLong(8 * cpu);
        }
      }
    }
    return totals;
  }

  @Override
  public MapFill fill(String map) {
    return switch (map) {
      case "hist" -> new MapFill(histEntries, hist.maxEntries());
      case "inflight" -> new MapFill(inflightEntries, inflight.maxEntries());
      default -> throw new IllegalArgumentException("no map " + map);
    };
  }

  @Override
  public int attachedPrograms() {
    return object.attachedPrograms();
  }

  @Override
  public List<ProgramStats> programStats() {
    List<ProgramStats> out = new ArrayList<>();
    object.runStats().forEach((name, s) -> out.add(new ProgramStats(name, s[0], s[1])));
    return out;
  }

  @Override
  public void onSlowEvent(Consumer<SlowEvent> consumer) {
    object.pollRingBuffer("slow_events", e -> consumer.accept(new SlowEvent(
        e.getLong(Layouts.SlowEvent.LATENCY_NS), e.getInt(Layouts.SlowEvent.TID),
        e.getInt(Layouts.SlowEvent.PID), e.getInt(Layouts.SlowEvent.NR),
        comm(e, Layouts.SlowEvent.THREAD), comm(e, Layouts.SlowEvent.PROCESS))));
  }

  /** A kernel comm: up to 16 bytes, NUL-terminated unless it fills them. */
  static String comm(ByteBuffer b, int offset) {
    int len = 0;
    while (len < Layouts.COMM_LEN && b.get(offset + len) != 0) {
      len++;
    }
    return new String(b.array(), b.arrayOffset() + offset, len, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    object.close();
  }
}
