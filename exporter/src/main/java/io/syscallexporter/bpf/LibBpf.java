package io.syscallexporter.bpf;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;

/**
 * The part of libbpf 1.x the exporter uses. Functions returning int return a negative errno on
 * failure; functions returning a pointer return NULL and set errno (hence {@link SaveError}).
 */
public interface LibBpf {

  @SaveError
  Pointer bpf_object__open_mem(Pointer objBuf, @size_t long objBufSize, Pointer opts);

  int bpf_object__load(Pointer obj);

  void bpf_object__close(Pointer obj);

  Pointer bpf_object__find_map_by_name(Pointer obj, String name);

  Pointer bpf_object__find_program_by_name(Pointer obj, String name);

  /** The object's programs one by one: {@code prev} null for the first; null after the last. */
  Pointer bpf_object__next_program(Pointer obj, Pointer prev);

  String bpf_program__name(Pointer prog);

  int bpf_program__set_autoload(Pointer prog, boolean autoload);

  /** Points at the map's initial contents (.rodata before load); {@code size} gets its size. */
  Pointer bpf_map__initial_value(Pointer map, Pointer size);

  int bpf_map__fd(Pointer map);

  int bpf_map__max_entries(Pointer map);

  int bpf_map__key_size(Pointer map);

  int bpf_map__value_size(Pointer map);

  /** CPUs the kernel may bring online (/sys/devices/system/cpu/possible), or a negative errno. */
  int libbpf_num_possible_cpus();

  int bpf_map__set_max_entries(Pointer map, int maxEntries);

  @SaveError
  Pointer bpf_program__attach(Pointer prog);

  int bpf_link__destroy(Pointer link);

  int bpf_link__fd(Pointer link);

  /** Attaches an iterator program; {@code opts} is a struct bpf_iter_attach_opts, or NULL. */
  @SaveError
  Pointer bpf_program__attach_iter(Pointer prog, Pointer opts);

  /** A new readable instance of an attached iterator: each read runs the program on. */
  int bpf_iter_create(int linkFd);

  int bpf_program__fd(Pointer prog);

  /** Fills {@code info} (struct bpf_prog_info for a program) up to {@code *infoLen} bytes. */
  int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

  int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

  int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

  int bpf_map_delete_elem(int fd, Pointer key);

  /**
   * Reads up to {@code *count} entries in one syscall, resuming after {@code inBatch} (NULL to
   * start); returns -ENOENT with the last entries filled when the map is exhausted.
   */
  int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys,
      Pointer values, Pointer count, Pointer opts);

  /** Deletes {@code *count} keys in one syscall; {@code *count} gets how many were deleted. */
  int bpf_map_delete_batch(int fd, Pointer keys, Pointer count, Pointer opts);

  @SaveError
  Pointer ring_buffer__new(int mapFd, SampleCallback callback, Pointer ctx, Pointer opts);

  int ring_buffer__poll(Pointer ringBuffer, int timeoutMs);

  void ring_buffer__free(Pointer ringBuffer);

  /** ring_buffer_sample_fn: called by ring_buffer__poll on the polling thread. */
  interface SampleCallback {
    @Delegate
    int onSample(Pointer ctx, Pointer data, @size_t long size);
  }
}
