package io.syscallexporter.bpf;

import io.syscallexporter.Log;
import io.syscallexporter.syscalls.SyscallTable;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

/**
 * One CO-RE object through its life: open from memory, set .rodata, load, attach, close. Closing
 * destroys every link, so no program stays attached (links are file descriptors: the kernel also
 * detaches them when the process dies, however it dies).
 */
public final class BpfObject implements AutoCloseable {
  /**
   * Set to true to run every iterator unfiltered, as on kernels before 6.1, where the programs
   * filter: for troubleshooting a kernel that misbehaves with filtered iterators, and to test
   * that path on newer ones.
   */
  static final String UNFILTERED_ITERATORS = "syscall_exporter.iterators.unfiltered";

  private static final LibBpf LIB = loadLibBpf();
  static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
  private static final long MEMBARRIER_NR = SyscallTable.forThisMachine().number("membarrier")
      .orElse(-1);
  private static final int MEMBARRIER_CMD_GLOBAL = 1;
  private static final long GRACE_FALLBACK_MS = 50;
  static final Runtime RUNTIME = Runtime.getRuntime(LIB);

  private final Pointer elf;
  private final Pointer nameString;
  private final Pointer obj;
  private final List<Pointer> links = new ArrayList<>();
  private final Map<String, Pointer> attached = new LinkedHashMap<>();
  private final List<RingBufferPoller> ringBuffers = new ArrayList<>();
  private final List<MappedArray> mappings = new ArrayList<>();
  private final List<BpfIterator> iterators = new CopyOnWriteArrayList<>();
  private boolean iteratorsFiltered = !Boolean.getBoolean(UNFILTERED_ITERATORS);
  private boolean unfilteredLogged;
  private boolean closed;

  private BpfObject(Pointer elf, Pointer nameString, Pointer obj) {
    this.elf = elf;
    this.nameString = nameString;
    this.obj = obj;
  }

  private static LibBpf loadLibBpf() {
    // libbpf1 ships only the versioned name; libbpf.so comes with libbpf-dev.
    try {
      return LibraryLoader.create(LibBpf.class).failImmediately().load("libbpf.so.1");
    } catch (UnsatisfiedLinkError e) {
      try {
        return LibraryLoader.create(LibBpf.class).failImmediately().load("bpf");
      } catch (UnsatisfiedLinkError again) {
        throw new BpfException("cannot load libbpf: install it (apt-get install libbpf1)", 0);
      }
    }
  }

  /** Opens an object from its ELF bytes; nothing reaches the kernel until {@link #load}. */
  public static BpfObject open(String name, byte[] elfBytes) {
    Pointer elf = Memory.allocateDirect(RUNTIME, elfBytes.length);
    elf.put(0, elfBytes, 0, elfBytes.length);
    Pointer nameString = Memory.allocateDirect(RUNTIME, name.length() + 1, true);
    nameString.putString(0, name, name.length() + 1, java.nio.charset.StandardCharsets.US_ASCII);
    Pointer opts = Memory.allocateDirect(RUNTIME, Layouts.OpenOpts.SIZE, true);
    opts.putLong(0, Layouts.OpenOpts.SIZE);
    opts.putAddress(Layouts.OpenOpts.OBJECT_NAME, nameString.address());
    Pointer obj = LIB.bpf_object__open_mem(elf, elfBytes.length, opts);
    if (obj == null) {
      int errno = LastError.getLastError(RUNTIME);
      throw new BpfException("cannot open BPF object " + name + ": " + Errno.describe(errno), errno);
    }
    return new BpfObject(elf, nameString, obj);
  }

  /**
   * Replaces the initial contents of .rodata (the load-time knobs) before {@link #load}. The size
   * must match: a mismatch means the jar and its BPF object come from different sources.
   */
  public void setRodata(byte[] contents) {
    Pointer map = LIB.bpf_object__find_map_by_name(obj, ".rodata");
    if (map == null) {
      throw new BpfException("BPF object has no .rodata", 0);
    }
    Pointer size = Memory.allocateDirect(RUNTIME, 8, true);
    Pointer data = LIB.bpf_map__initial_value(map, size);
    long actual = size.getLong(0);
    if (data == null || actual != contents.length) {
      throw new BpfException(".rodata is " + actual + " bytes, expected " + contents.length
          + ": the exporter and its BPF object were built from different sources", 0);
    }
    data.put(0, contents, 0, contents.length);
  }

  /** Makes {@link #load} verify and load only this program (the maps are all created). */
  public void loadOnly(String program) {
    for (Pointer p = LIB.bpf_object__next_program(obj, null); p != null;
        p = LIB.bpf_object__next_program(obj, p)) {
      LIB.bpf_program__set_autoload(p, program.equals(LIB.bpf_program__name(p)));
    }
  }

  /** Makes {@link #load} leave this program out. */
  public void skip(String program) {
    Pointer prog = LIB.bpf_object__find_program_by_name(obj, program);
    if (prog != null) {
      LIB.bpf_program__set_autoload(prog, false);
    }
  }

  /** Sets a map's capacity; before {@link #load}. */
  public void setMaxEntries(String mapName, int maxEntries) {
    Pointer map = LIB.bpf_object__find_map_by_name(obj, mapName);
    if (map == null || LIB.bpf_map__set_max_entries(map, maxEntries) != 0) {
      throw new BpfException("cannot size map " + mapName, 0);
    }
  }

  /** Verifies and loads every program and creates every map. */
  public void load() {
    int rc = LIB.bpf_object__load(obj);
    if (rc < 0) {
      int errno = -rc;
      String hint = switch (errno) {
        case Errno.EPERM, Errno.EACCES -> "run as root, or grant CAP_BPF and CAP_PERFMON (CAP_SYS_ADMIN on kernels"
            + " before 5.8); the verifier log, if any, is printed above";
        case Errno.EINVAL, Errno.E2BIG, Errno.ENOTSUPP -> "the kernel rejected the programs (verifier log above); it needs BTF"
            + " and BPF tracing programs (Linux 5.8 or later with CONFIG_DEBUG_INFO_BTF=y)";
        default -> "see libbpf's messages above";
      };
      throw new BpfException("cannot load BPF programs: " + Errno.describe(errno) + "; " + hint,
          errno);
    }
    // Loading parsed the kernel's BTF (megabytes) and freed it; hand that memory back.
    NativeHeap.trim();
  }

  /**
   * Returns once every BPF program that was running when it was called has finished: tracing
   * programs run inside RCU read-side sections, and membarrier(MEMBARRIER_CMD_GLOBAL) waits for
   * an RCU grace period. Where the kernel refuses (nohz_full), it sleeps instead: a tracepoint
   * program runs with preemption off, for microseconds.
   */
  public static void awaitRunningPrograms() {
    long rc = MEMBARRIER_NR < 0 ? -1 : LIBC.syscall(MEMBARRIER_NR, MEMBARRIER_CMD_GLOBAL, 0, 0);
    if (rc != 0) {
      try {
        Thread.sleep(GRACE_FALLBACK_MS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Attaches a program by its function name; the link lives until {@link #close}. */
  public void attach(String program) {
    Pointer prog = LIB.bpf_object__find_program_by_name(obj, program);
    if (prog == null) {
      throw new BpfException("BPF object has no program " + program, 0);
    }
    Pointer link = LIB.bpf_program__attach(prog);
    if (link == null) {
      int errno = LastError.getLastError(RUNTIME);
      throw new BpfException("cannot attach BPF program " + program + ": "
          + Errno.describe(errno), errno);
    }
    links.add(link);
    attached.put(program, prog);
  }

  /**
   * Attaches an iterator program over every task, or, with {@code pid} other than 0, over one
   * process, named as this process's pid namespace knows it. Kernels before 6.1 cannot limit an
   * iterator to a process (they refuse the pid with E2BIG): the iterator then runs over every
   * task, so a program given a pid must also filter by itself. {@link #iteratorsFiltered} tells
   * which this kernel does. The iterator is read on demand and detached by its own close, or by
   * this object's.
   */
  public synchronized BpfIterator attachIterator(String program, int pid) {
    if (closed) { // the object is freed: a task that outlived close must not touch it
      throw new BpfException("the BPF object is closed: cannot run " + program, 0);
    }
    Pointer prog = LIB.bpf_object__find_program_by_name(obj, program);
    if (prog == null) {
      throw new BpfException("BPF object has no program " + program, 0);
    }
    Pointer link = null;
    int errno = 0;
    if (pid != 0 && iteratorsFiltered) {
      Pointer linkInfo = Memory.allocateDirect(RUNTIME, Layouts.IterLinkInfo.SIZE, true);
      linkInfo.putInt(Layouts.IterLinkInfo.TASK_PID, pid);
      Pointer opts = Memory.allocateDirect(RUNTIME, Layouts.IterAttachOpts.SIZE, true);
      opts.putLong(0, Layouts.IterAttachOpts.SIZE);
      opts.putAddress(Layouts.IterAttachOpts.LINK_INFO, linkInfo.address());
      opts.putInt(Layouts.IterAttachOpts.LINK_INFO_LEN, Layouts.IterLinkInfo.SIZE);
      link = LIB.bpf_program__attach_iter(prog, opts);
      errno = link == null ? LastError.getLastError(RUNTIME) : 0;
      if (errno == Errno.E2BIG) {
        iteratorsFiltered = false; // before 6.1: no task member in bpf_iter_link_info
      }
    }
    if (pid != 0 && !iteratorsFiltered && !unfilteredLogged) {
      unfilteredLogged = true;
      Log.info("BPF iterators run over every task: this kernel cannot limit them to one process"
          + " (Linux 6.1 can)", "program", program);
    }
    if ((link == null && errno == 0) || errno == Errno.E2BIG) {
      link = LIB.bpf_program__attach_iter(prog, null);
      errno = link == null ? LastError.getLastError(RUNTIME) : 0;
    }
    if (link == null) {
      throw new BpfException("cannot attach BPF iterator " + program + ": "
          + Errno.describe(errno), errno);
    }
    BpfIterator iterator = new BpfIterator(LIB, LIBC, RUNTIME, program, link, iterators::remove);
    iterators.add(iterator);
    return iterator;
  }

  /** Whether iterators given a pid run over that process only (Linux 6.1+), as far as known. */
  public boolean iteratorsFiltered() {
    return iteratorsFiltered;
  }

  /**
   * Run time and run count of each attached program, as the kernel counts them while
   * {@code sysctl kernel.bpf_stats_enabled=1} (zero otherwise).
   */
  public Map<String, long[]> runStats() {
    Map<String, long[]> stats = new LinkedHashMap<>();
    Pointer len = Memory.allocateDirect(RUNTIME, 4, true);
    attached.forEach((name, prog) -> {
      // Zeroed each time: the kernel reads counts it wrote last time as buffer sizes.
      Pointer info = Memory.allocateDirect(RUNTIME, Layouts.ProgInfo.SIZE, true);
      len.putInt(0, Layouts.ProgInfo.SIZE);
      if (LIB.bpf_obj_get_info_by_fd(LIB.bpf_program__fd(prog), info, len) == 0) {
        stats.put(name, new long[] {info.getLong(Layouts.ProgInfo.RUN_TIME_NS),
            info.getLong(Layouts.ProgInfo.RUN_CNT)});
      }
    });
    return stats;
  }

  public int attachedPrograms() {
    return links.size();
  }

  /**
   * A map of the loaded object, with the key and value sizes the exporter lays out, checked
   * against the object's: a mismatch means the jar and its BPF object disagree.
   */
  public BpfMap map(String name, int keySize, int valueSize) {
    Pointer map = checkedMap(name, keySize, valueSize);
    return new BpfMap(LIB, RUNTIME, name, LIB.bpf_map__fd(map), keySize, valueSize,
        LIB.bpf_map__max_entries(map));
  }

  /**
   * An array map made with BPF_F_MMAPABLE (as libbpf makes a global data section,
   * {@code SEC(".data.NAME")}, named by its section), mapped read-write into this process.
   */
  public MappedArray mappedArray(String name, int valueSize) {
    Pointer map = checkedMap(name, 4, valueSize);
    int maxEntries = LIB.bpf_map__max_entries(map);
    long length = MappedArray.length(valueSize, maxEntries, LIBC.getpagesize());
    Pointer base = LIBC.mmap(null, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED,
        LIB.bpf_map__fd(map), 0);
    if (base == null || base.address() == -1L) {
      int errno = LastError.getLastError(Runtime.getRuntime(LIBC));
      throw new BpfException("cannot map BPF map " + name + " into memory: "
          + Errno.describe(errno), errno);
    }
    MappedArray mapped = new MappedArray(name, base, length, valueSize, maxEntries);
    mappings.add(mapped);
    return mapped;
  }

  /**
   * A per-CPU map: the kernel reads and writes one value per possible CPU, each rounded up to 8
   * bytes, in a single call.
   */
  public BpfMap perCpuMap(String name, int keySize, int valueSize) {
    Pointer map = checkedMap(name, keySize, valueSize);
    return new BpfMap(LIB, RUNTIME, name, LIB.bpf_map__fd(map), keySize,
        (valueSize + 7) / 8 * 8 * possibleCpus(), LIB.bpf_map__max_entries(map));
  }

  private Pointer checkedMap(String name, int keySize, int valueSize) {
    Pointer map = LIB.bpf_object__find_map_by_name(obj, name);
    if (map == null) {
      throw new BpfException("BPF object has no map " + name, 0);
    }
    int actualKey = LIB.bpf_map__key_size(map);
    int actualValue = LIB.bpf_map__value_size(map);
    if (actualKey != keySize || actualValue != valueSize) {
      throw new BpfException("BPF map " + name + " has " + actualKey + "-byte keys and "
          + actualValue + "-byte values, the exporter expects " + keySize + " and " + valueSize
          + ": the exporter and its BPF object were built from different sources", 0);
    }
    return map;
  }

  /** CPUs the kernel may ever bring online ("0-63"), which sizes its per-CPU values. */
  private static int possibleCpus() {
    int n = LIB.libbpf_num_possible_cpus();
    if (n <= 0) {
      throw new BpfException("cannot count this machine's possible CPUs: "
          + Errno.describe(-n), -n);
    }
    return n;
  }

  /** Starts a thread that hands each record of a ring buffer map to {@code consumer}. */
  public RingBufferPoller pollRingBuffer(String mapName, Consumer<ByteBuffer> consumer) {
    Pointer map = LIB.bpf_object__find_map_by_name(obj, mapName);
    if (map == null) {
      throw new BpfException("BPF object has no map " + mapName, 0);
    }
    RingBufferPoller poller = new RingBufferPoller(LIB, RUNTIME, mapName, LIB.bpf_map__fd(map),
        consumer);
    ringBuffers.add(poller);
    return poller;
  }

  /** Detaches every program, stops the pollers and frees the object. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    ringBuffers.forEach(RingBufferPoller::close);
    iterators.forEach(BpfIterator::close);
    links.forEach(LIB::bpf_link__destroy);
    links.clear();
    mappings.forEach(MappedArray::close);
    mappings.clear();
    attached.clear();
    LIB.bpf_object__close(obj);
  }
}
