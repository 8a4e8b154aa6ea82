package io.syscallexporter.bpf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Decodes what fd_path_of writes: a struct fd_path per file table holding the fd. */
final class FdPathRecords {
  private FdPathRecords() {}

  /**
   * The path for thread {@code tid} of process {@code pid}. Threads usually share the leader's
   * file table, reported under the pid; a thread with a table of its own (unshare) reports
   * under its own tid, which wins.
   */
  static Optional<String> pathOf(ByteBuffer records, int pid, int tid) {
    String shared = null;
    int at = 0;
    while (at + Layouts.FdPath.PATH < records.limit()) {
      int recordTid = records.getInt(at + Layouts.FdPath.TID);
      int end = at + Layouts.FdPath.PATH;
      while (end < records.limit() && records.get(end) != 0) {
        end++;
      }
      String path = new String(records.array(), records.arrayOffset() + at + Layouts.FdPath.PATH,
          end - at - Layouts.FdPath.PATH, StandardCharsets.UTF_8);
      if (recordTid == tid) {
        return Optional.of(path);
      }
      if (recordTid == pid) {
        shared = path;
      }
      at = end + 1;
    }
    return Optional.ofNullable(shared);
  }
}
