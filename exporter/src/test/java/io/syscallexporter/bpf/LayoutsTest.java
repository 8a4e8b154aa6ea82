package io.syscallexporter.bpf;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles bpf/syscall_exporter.h, libbpf's and the kernel's UAPI headers with gcc and checks
 * Layouts against what C lays out.
 */
class LayoutsTest {
  private static final Path HEADER = Path.of(System.getProperty("bpf.header",
      "../bpf/syscall_exporter.h")).toAbsolutePath();

  @TempDir
  Path dir;

  @Test
  void javaLayoutsMatchTheSharedHeader() throws Exception {
    String[][] checks = {
        {"COMM_LEN", "COMM_LEN", Integer.toString(Layouts.COMM_LEN)},
        {"NATIVE_SCHEMA", "NATIVE_SCHEMA", Integer.toString(Layouts.NATIVE_SCHEMA)},
        {"NATIVE_MIN_INDEX", "NATIVE_MIN_INDEX", Integer.toString(Layouts.NATIVE_MIN_INDEX)},
        {"NATIVE_MAX_INDEX", "NATIVE_MAX_INDEX", Integer.toString(Layouts.NATIVE_MAX_INDEX)},
        {"HIST_BUCKETS", "HIST_BUCKETS", Integer.toString(Layouts.HIST_BUCKETS)},
        {"BOUNDS_SLOTS", "BOUNDS_SLOTS", Integer.toString(Layouts.BOUNDS_SLOTS)},
        {"POLICY_SLOTS", "POLICY_SLOTS", Integer.toString(Layouts.POLICY_SLOTS)},
        {"COUNT_NEVER", "COUNT_NEVER", Integer.toString(Layouts.COUNT_NEVER)},
        {"COUNT_ALWAYS", "COUNT_ALWAYS", Integer.toString(Layouts.COUNT_ALWAYS)},
        {"COUNT_IF_FILE", "COUNT_IF_FILE", Integer.toString(Layouts.COUNT_IF_FILE)},
        {"FD_NONE", "FD_NONE", Integer.toString(Layouts.FD_NONE)},
        {"FD_FILE", "FD_FILE", Integer.toString(Layouts.FD_FILE)},
        {"FD_BLOCK", "FD_BLOCK", Integer.toString(Layouts.FD_BLOCK)},
        {"FD_OTHER", "FD_OTHER", Integer.toString(Layouts.FD_OTHER)},
        {"SCAN_CALL", "SCAN_CALL", Integer.toString(Layouts.SCAN_CALL)},
        {"SCAN_SUMMARY", "SCAN_SUMMARY", Integer.toString(Layouts.SCAN_SUMMARY)},
        {"STACK_DEPTH", "STACK_DEPTH", Integer.toString(Layouts.STACK_DEPTH)},
        {"PATH_LEN", "PATH_LEN", Integer.toString(Layouts.PATH_LEN)},
        {"config.default_timeout", "offsetof(struct exporter_config, default_timeout_ns)",
            Integer.toString(Layouts.Config.DEFAULT_TIMEOUT_NS)},
        {"config.timeout_ns", "offsetof(struct exporter_config, timeout_ns)",
            Integer.toString(Layouts.Config.TIMEOUT_NS)},
        {"config.timeout_policy", "offsetof(struct exporter_config, timeout_policy)",
            Integer.toString(Layouts.Config.TIMEOUT_POLICY)},
        {"config.fd_arg", "offsetof(struct exporter_config, fd_arg)",
            Integer.toString(Layouts.Config.FD_ARG)},
        {"config.slow_policy", "offsetof(struct exporter_config, slow_policy)",
            Integer.toString(Layouts.Config.SLOW_POLICY)},
        {"ERR_INFLIGHT_UPDATE", "ERR_INFLIGHT_UPDATE", Integer.toString(Layouts.ERR_INFLIGHT_UPDATE)},
        {"ERR_HIST_UPDATE", "ERR_HIST_UPDATE", Integer.toString(Layouts.ERR_HIST_UPDATE)},
        {"ERR_EVENT_LOST", "ERR_EVENT_LOST", Integer.toString(Layouts.ERR_EVENT_LOST)},
        {"ERR_COUNT", "ERR_COUNT", Integer.toString(Layouts.ERR_COUNT)},
        {"config.size", "sizeof(struct exporter_config)", Integer.toString(Layouts.Config.SIZE)},
        {"config.slow", "offsetof(struct exporter_config, slow_threshold_ns)",
            Integer.toString(Layouts.Config.SLOW_THRESHOLD_NS)},
        {"config.per_pid", "offsetof(struct exporter_config, per_pid)",
            Integer.toString(Layouts.Config.PER_PID)},
        {"config.bounds", "offsetof(struct exporter_config, bounds_ns)",
            Integer.toString(Layouts.Config.BOUNDS_NS)},
        {"inflight.size", "sizeof(struct inflight)", Integer.toString(Layouts.Inflight.SIZE)},
        {"inflight.start", "offsetof(struct inflight, start_ns)",
            Integer.toString(Layouts.Inflight.START_NS)},
        {"inflight.nr", "offsetof(struct inflight, nr)", Integer.toString(Layouts.Inflight.NR)},
        {"inflight.reported", "offsetof(struct inflight, reported_ns)",
            Integer.toString(Layouts.Inflight.REPORTED_NS)},
        {"inflight.arg0", "offsetof(struct inflight, arg0)",
            Integer.toString(Layouts.Inflight.ARG0)},
        {"hist_key.size", "sizeof(struct hist_key)", Integer.toString(Layouts.HistKey.SIZE)},
        {"hist_key.process", "offsetof(struct hist_key, process)",
            Integer.toString(Layouts.HistKey.PROCESS)},
        {"hist_key.pid", "offsetof(struct hist_key, pid)", Integer.toString(Layouts.HistKey.PID)},
        {"hist_key.nr", "offsetof(struct hist_key, nr)", Integer.toString(Layouts.HistKey.NR)},
        {"hist_key.gen", "offsetof(struct hist_key, gen)", Integer.toString(Layouts.HistKey.GEN)},
        {"hist_key.cgroup", "offsetof(struct hist_key, cgroup)",
            Integer.toString(Layouts.HistKey.CGROUP)},
        {"config.per_cgroup", "offsetof(struct exporter_config, per_cgroup)",
            Integer.toString(Layouts.Config.PER_CGROUP)},
        {"config.target_tgid", "offsetof(struct exporter_config, target_tgid)",
            Integer.toString(Layouts.Config.TARGET_TGID)},
        {"config.per_thread", "offsetof(struct exporter_config, per_thread)",
            Integer.toString(Layouts.Config.PER_THREAD)},
        {"config.default_timeout", "offsetof(struct exporter_config, default_timeout_ns)",
            Integer.toString(Layouts.Config.DEFAULT_TIMEOUT_NS)},
        {"scan_call.ns_tid", "offsetof(struct scan_call, ns_tid)",
            Integer.toString(Layouts.ScanCall.NS_TID)},
        {"slow_event.ns_tid", "offsetof(struct slow_event, ns_tid)",
            Integer.toString(Layouts.SlowEvent.NS_TID)},
        {"scan_call.cgroup", "offsetof(struct scan_call, cgroup)",
            Integer.toString(Layouts.ScanCall.CGROUP)},
        {"DRAIN_GEN", "DRAIN_GEN", Integer.toString(Layouts.DRAIN_GEN)},
        {"DRAIN_INSERTS", "DRAIN_INSERTS", Integer.toString(Layouts.DRAIN_INSERTS)},
        {"DRAIN_SLOTS", "DRAIN_SLOTS", Integer.toString(Layouts.DRAIN_SLOTS)},
        {"hist_value.size", "sizeof(struct hist_value)", Integer.toString(Layouts.HistValue.SIZE)},
        {"hist_value.sum", "offsetof(struct hist_value, sum_ns)",
            Integer.toString(Layouts.HistValue.SUM_NS)},
        {"hist_value.slow", "offsetof(struct hist_value, slow)",
            Integer.toString(Layouts.HistValue.SLOW)},
        {"hist_value.buckets", "offsetof(struct hist_value, buckets)",
            Integer.toString(Layouts.HistValue.BUCKETS)},
        {"slow_event.size", "sizeof(struct slow_event)", Integer.toString(Layouts.SlowEvent.SIZE)},
        {"slow_event.latency", "offsetof(struct slow_event, latency_ns)",
            Integer.toString(Layouts.SlowEvent.LATENCY_NS)},
        {"slow_event.tid", "offsetof(struct slow_event, tid)",
            Integer.toString(Layouts.SlowEvent.TID)},
        {"slow_event.pid", "offsetof(struct slow_event, pid)",
            Integer.toString(Layouts.SlowEvent.PID)},
        {"slow_event.nr", "offsetof(struct slow_event, nr)", Integer.toString(Layouts.SlowEvent.NR)},
        {"slow_event.thread", "offsetof(struct slow_event, thread)",
            Integer.toString(Layouts.SlowEvent.THREAD)},
        {"slow_event.process", "offsetof(struct slow_event, process)",
            Integer.toString(Layouts.SlowEvent.PROCESS)},
        {"scan_call.type", "offsetof(struct scan_call, type)",
            Integer.toString(Layouts.ScanCall.TYPE)},
        {"scan_call.tid", "offsetof(struct scan_call, tid)", Integer.toString(Layouts.ScanCall.TID)},
        {"scan_call.pid", "offsetof(struct scan_call, pid)", Integer.toString(Layouts.ScanCall.PID)},
        {"scan_call.nr", "offsetof(struct scan_call, nr)", Integer.toString(Layouts.ScanCall.NR)},
        {"scan_call.start", "offsetof(struct scan_call, start_ns)",
            Integer.toString(Layouts.ScanCall.START_NS)},
        {"scan_call.arg0", "offsetof(struct scan_call, arg0)",
            Integer.toString(Layouts.ScanCall.ARG0)},
        {"scan_call.fd_kind", "offsetof(struct scan_call, fd_kind)",
            Integer.toString(Layouts.ScanCall.FD_KIND)},
        {"scan_call.stack_depth", "offsetof(struct scan_call, stack_depth)",
            Integer.toString(Layouts.ScanCall.STACK_DEPTH)},
        {"scan_call.thread", "offsetof(struct scan_call, thread)",
            Integer.toString(Layouts.ScanCall.THREAD)},
        {"scan_call.process", "offsetof(struct scan_call, process)",
            Integer.toString(Layouts.ScanCall.PROCESS)},
        {"scan_call.stack", "offsetof(struct scan_call, stack)",
            Integer.toString(Layouts.ScanCall.STACK)},
        {"scan_call.size", "sizeof(struct scan_call)", Integer.toString(Layouts.ScanCall.SIZE)},
        {"scan_summary.in_syscall", "offsetof(struct scan_summary, in_syscall)",
            Integer.toString(Layouts.ScanSummary.IN_SYSCALL)},
        {"scan_summary.size", "sizeof(struct scan_summary)",
            Integer.toString(Layouts.ScanSummary.SIZE)},
        {"fd_path.tid", "offsetof(struct fd_path, tid)", Integer.toString(Layouts.FdPath.TID)},
        {"fd_path.fd", "offsetof(struct fd_path, fd)", Integer.toString(Layouts.FdPath.FD)},
        {"fd_path.path", "offsetof(struct fd_path, path)", Integer.toString(Layouts.FdPath.PATH)},
        {"path_query.fd", "offsetof(struct path_query, fd)",
            Integer.toString(Layouts.PathQuery.FD)},
        {"path_query.tgid", "offsetof(struct path_query, tgid)",
            Integer.toString(Layouts.PathQuery.TGID)},
        {"path_query.size", "sizeof(struct path_query)", Integer.toString(Layouts.PathQuery.SIZE)},
        // libbpf's and the kernel's own structs, which the exporter fills through JNR.
        {"open_opts.size", "sizeof(struct bpf_object_open_opts)",
            Integer.toString(Layouts.OpenOpts.SIZE)},
        {"open_opts.object_name", "offsetof(struct bpf_object_open_opts, object_name)",
            Integer.toString(Layouts.OpenOpts.OBJECT_NAME)},
        {"iter_opts.size", "sizeof(struct bpf_iter_attach_opts)",
            Integer.toString(Layouts.IterAttachOpts.SIZE)},
        {"iter_opts.link_info", "offsetof(struct bpf_iter_attach_opts, link_info)",
            Integer.toString(Layouts.IterAttachOpts.LINK_INFO)},
        {"iter_opts.link_info_len", "offsetof(struct bpf_iter_attach_opts, link_info_len)",
            Integer.toString(Layouts.IterAttachOpts.LINK_INFO_LEN)},
        {"iter_link_info.size", "sizeof(union bpf_iter_link_info)",
            Integer.toString(Layouts.IterLinkInfo.SIZE)},
        {"iter_link_info.task.pid", "offsetof(union bpf_iter_link_info, task.pid)",
            Integer.toString(Layouts.IterLinkInfo.TASK_PID)},
        {"prog_info.run_time_ns", "offsetof(struct bpf_prog_info, run_time_ns)",
            Integer.toString(Layouts.ProgInfo.RUN_TIME_NS)},
        {"prog_info.run_cnt", "offsetof(struct bpf_prog_info, run_cnt)",
            Integer.toString(Layouts.ProgInfo.RUN_CNT)},
        {"cap_header.size", "sizeof(struct __user_cap_header_struct)",
            Integer.toString(Layouts.CapUser.HEADER_SIZE)},
        {"cap_data.size", "sizeof(struct __user_cap_data_struct)",
            Integer.toString(Layouts.CapUser.DATA_SIZE)},
        {"cap_data.effective", "offsetof(struct __user_cap_data_struct, effective)",
            Integer.toString(Layouts.CapUser.DATA_EFFECTIVE)},
        {"cap_data.permitted", "offsetof(struct __user_cap_data_struct, permitted)",
            Integer.toString(Layouts.CapUser.DATA_PERMITTED)},
    };
    StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n"
        + "#include <bpf/libbpf.h>\n#include <linux/bpf.h>\n#include <linux/capability.h>\n"
        + "#include \"" + HEADER + "\"\nint main(void) {\n");
    for (String[] check : checks) {
      c.append("  printf(\"%s %ld\\n\", \"").append(check[0]).append("\", (long)(")
          .append(check[1]).append("));\n");
    }
    c.append("  return 0;\n}\n");
    Files.writeString(dir.resolve("layout.c"), c);
    Process gcc = new ProcessBuilder("gcc", "-o", dir.resolve("layout").toString(),
        dir.resolve("layout.c").toString()).inheritIO().start();
    assertThat(gcc.waitFor()).as("gcc exit code").isZero();
    Process run = new ProcessBuilder(dir.resolve("layout").toString()).start();
    Map<String, String> actual = new HashMap<>();
    for (String line : new String(run.getInputStream().readAllBytes()).split("\n")) {
      String[] kv = line.split(" ");
      actual.put(kv[0], kv[1]);
    }
    assertThat(run.waitFor()).isZero();
    for (String[] check : checks) {
      assertThat(actual.get(check[0])).as(check[1]).isEqualTo(check[2]);
    }
  }
}
