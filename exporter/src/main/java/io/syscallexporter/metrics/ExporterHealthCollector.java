package io.syscallexporter.metrics;

import com.google.inject.Inject;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.syscallexporter.bpf.Layouts;
import io.syscallexporter.collect.KernelSource;
import io.syscallexporter.collect.SlowEventLog;
import io.syscallexporter.collect.TimeoutScanner;
import io.syscallexporter.config.WebConfigSource;
import io.syscallexporter.join.JoinStats;
import io.syscallexporter.join.JoinedJvms;
import io.syscallexporter.process.CgroupPaths;
import io.syscallexporter.syscalls.SyscallTable;
import java.util.List;

/** The exporter's own health: {@code syscall_exporter_*}. */
public final class ExporterHealthCollector implements MultiCollector {
  private static final String VERSION = versionOf();
  private static final List<String> MAPS = List.of("hist", "inflight");

  private final KernelSource kernel;
  private final LabelBudget budget;
  private final HistogramTotals totals;
  private final WebConfigSource webConfig;
  private final CgroupPaths cgroups;
  private final TimeoutScanner scanner;
  private final SlowEventLog slowLog;
  private final String arch;
  private final JoinedJvms joined;
  private final JoinStats joinStats;

  @Inject
  public ExporterHealthCollector(KernelSource kernel, LabelBudget budget, HistogramTotals totals,
      TimeoutScanner scanner, SlowEventLog slowLog, SyscallTable syscalls,
      WebConfigSource webConfig, CgroupPaths cgroups, JoinedJvms joined, JoinStats joinStats) {
    this.joined = joined;
    this.joinStats = joinStats;
    this.webConfig = webConfig;
    this.cgroups = cgroups;
    this.kernel = kernel;
    this.budget = budget;
    this.totals = totals;
    this.scanner = scanner;
    this.slowLog = slowLog;
    this.arch = syscalls.arch();
  }

  private static String versionOf() {
    String v = ExporterHealthCollector.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  @Override
  public MetricSnapshots collect() {
    long[] errors = kernel.errors();
    GaugeSnapshot.Builder entries = GaugeSnapshot.builder().name("syscall_exporter_map_entries")
        .help("Entries in use in each BPF map (inflight: threads inside a syscall at the last"
            + " scan).");
    GaugeSnapshot.Builder capacity = GaugeSnapshot.builder()
        .name("syscall_exporter_map_max_entries").help("Capacity of each BPF map.");
    CounterSnapshot.Builder runSeconds = CounterSnapshot.builder()
        .name("syscall_exporter_bpf_run_seconds").unit(Unit.SECONDS)
        .help("Time spent in each BPF program; counted only while sysctl"
            + " kernel.bpf_stats_enabled=1, which itself costs a little per run.");
    CounterSnapshot.Builder runs = CounterSnapshot.builder().name("syscall_exporter_bpf_runs")
        .help("Runs of each BPF program; counted only while sysctl kernel.bpf_stats_enabled=1.");
    for (KernelSource.ProgramStats p : kernel.programStats()) {
      Labels l = Labels.of("program", p.program());
      runSeconds.dataPoint(counter(l, p.runNanos() / 1e9));
      runs.dataPoint(counter(l, p.runs()));
    }
    for (String map : MAPS) {
      KernelSource.MapFill fill = kernel.fill(map);
      Labels l = Labels.of("map", map);
      entries.dataPoint(gauge(l, fill.entries()));
      if (fill.maxEntries() > 0) { // task-local storage has no capacity
        capacity.dataPoint(gauge(l, fill.maxEntries()));
      }
    }
    return MetricSnapshots.of(
        InfoSnapshot.builder().name("syscall_exporter_build")
            .help("Version of the exporter and the architecture of its syscall table.")
            .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                .labels(Labels.of("arch", arch, "version", VERSION)).build())
            .build(),
        GaugeSnapshot.builder().name("syscall_exporter_programs_attached")
            .help("BPF programs attached (3 when healthy: sys_enter, sys_exit, thread_exit).")
            .dataPoint(gauge(Labels.EMPTY, kernel.attachedPrograms())).build(),
        runSeconds.build(),
        runs.build(),
        entries.build(),
        capacity.build(),
        CounterSnapshot.builder().name("syscall_exporter_map_update_failures")
            .help("Kernel map updates that failed because a map was full; those calls went"
                + " unmeasured.")
            .dataPoint(counter(Labels.of("map", "inflight"), errors[Layouts.ERR_INFLIGHT_UPDATE]))
            .dataPoint(counter(Labels.of("map", "hist"), errors[Layouts.ERR_HIST_UPDATE]))
            .build(),
        CounterSnapshot.builder().name("syscall_exporter_slow_events_lost")
            .help("Slow events dropped in the kernel because the ring buffer was full.")
            .dataPoint(counter(Labels.EMPTY, errors[Layouts.ERR_EVENT_LOST])).build(),
        CounterSnapshot.builder().name("syscall_exporter_trace_context_faults")
            .help("Slow calls whose thread's trace context record could not be read (its page"
                + " not resident): they carry no trace ids.")
            .dataPoint(counter(Labels.EMPTY, errors[Layouts.ERR_CONTEXT_FAULT])).build(),
        CounterSnapshot.builder().name("syscall_exporter_slow_events")
            .help("Slow events received from the kernel.")
            .dataPoint(counter(Labels.EMPTY, slowLog.received())).build(),
        CounterSnapshot.builder().name("syscall_exporter_slow_events_unlogged")
            .help("Slow events not logged because of --log.rate-limit.")
            .dataPoint(counter(Labels.EMPTY, slowLog.suppressed())).build(),
        CounterSnapshot.builder().name("syscall_exporter_timed_out_unlogged")
            .help("Log lines about timed-out syscalls not written because of --log.rate-limit.")
            .dataPoint(counter(Labels.EMPTY, scanner.unlogged())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_label_sets")
            .help("Label sets held now (exported, and counted against --labels.limit unless"
                + " _other).")
            .dataPoint(gauge(Labels.EMPTY, budget.held())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_label_sets_over_limit")
            .help("Kernel series summed into process=\"_other\" now, for want of room under"
                + " --labels.limit.")
            .dataPoint(gauge(Labels.EMPTY, budget.overLimit())).build(),
        CounterSnapshot.builder().name("syscall_exporter_label_keys_unheld")
            .help("Times a kernel series was summed into _other without being remembered: past"
                + " the bound on series keys held (4 per label set of --labels.limit, at least"
                + " 16,384).")
            .dataPoint(counter(Labels.EMPTY, budget.keysNotHeld())).build(),
        CounterSnapshot.builder().name("syscall_exporter_label_sets_released")
            .help("Label sets dropped from /metrics after --labels.idle-timeout without calls.")
            .dataPoint(counter(Labels.EMPTY, totals.released())).build(),
        CounterSnapshot.builder().name("syscall_exporter_drains")
            .help("Drains of the kernel's latency counts into the running totals.")
            .dataPoint(counter(Labels.EMPTY, totals.drains())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_drain_duration_seconds").unit(Unit.SECONDS)
            .help("Time the last drain took, waiting for running BPF programs included.")
            .dataPoint(gauge(Labels.EMPTY, totals.lastDrainSeconds())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_cgroup_paths")
            .help("Cgroup paths cached for --labels.cgroup: the cgroups that existed at the"
                + " last walk of the cgroup2 tree.")
            .dataPoint(gauge(Labels.EMPTY, cgroups.known())).build(),
        CounterSnapshot.builder().name("syscall_exporter_web_config_reloads")
            .help("Reloads of --web.config.file after it changed, by result (on failure the"
                + " last good config stays).")
            .dataPoint(counter(Labels.of("result", "success"), webConfig.reloads()))
            .dataPoint(counter(Labels.of("result", "failure"), webConfig.reloadFailures()))
            .build(),
        CounterSnapshot.builder().name("syscall_exporter_slow_event_poll_errors")
            .help("Failed polls of the slow-event ring buffer; the poller retries each second.")
            .dataPoint(counter(Labels.EMPTY, kernel.slowEventPollErrors())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_scan_duration_seconds").unit(Unit.SECONDS)
            .help("Time the last scan of in-flight syscalls took.")
            .dataPoint(gauge(Labels.EMPTY, scanner.lastScanSeconds())).build(),
        CounterSnapshot.builder().name("syscall_exporter_scans")
            .help("Scans of in-flight syscalls since start.")
            .dataPoint(counter(Labels.EMPTY, scanner.scans())).build(),
        GaugeSnapshot.builder().name("syscall_exporter_agents_joined")
            .help("JVMs joined through the agent socket now.")
            .dataPoint(gauge(Labels.EMPTY, joined.size())).build(),
        CounterSnapshot.builder().name("syscall_exporter_agent_joins")
            .help("JVMs that joined through the agent socket since start, rejoins included.")
            .dataPoint(counter(Labels.EMPTY, joinStats.joins())).build(),
        CounterSnapshot.builder().name("syscall_exporter_agent_pools_over_limit")
            .help("Kernel series of joined JVMs summed into thread=\"_other\": a JVM labels at"
                + " most 256 thread pools.")
            .dataPoint(counter(Labels.EMPTY, joinStats.poolsOverLimit())).build(),
        agentErrors());
  }

  private CounterSnapshot agentErrors() {
    CounterSnapshot.Builder b = CounterSnapshot.builder().name("syscall_exporter_agent_errors")
        .help("Agent socket connections closed or refused: malformed input, silent past the"
            + " time limit, refused (joined already, or too many JVMs), busy (no free slot).");
    for (JoinStats.Error e : JoinStats.Error.values()) {
      b.dataPoint(counter(Labels.of("reason", e.label), joinStats.errors(e)));
    }
    return b.build();
  }

  private static GaugeDataPointSnapshot gauge(Labels labels, double value) {
    return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static CounterDataPointSnapshot counter(Labels labels, double value) {
    return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
  }
}
