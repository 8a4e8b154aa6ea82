package io.syscallexporter.collect;

import java.util.List;

/**
 * One scan of the syscalls in flight: the stuck ones, and how many threads were in a call.
 * {@code seeding}: whether the kernel can find calls that began before the programs saw them
 * (Linux 5.15+, {@code bpf_task_pt_regs}).
 */
public record InflightScan(List<StuckCall> stuck, long threadsInSyscall, boolean seeding) {}
