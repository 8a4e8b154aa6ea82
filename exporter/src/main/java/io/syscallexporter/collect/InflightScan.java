package io.syscallexporter.collect;

import java.util.List;

/** One scan of the syscalls in flight: the stuck ones, and how many threads were in a call. */
public record InflightScan(List<StuckCall> stuck, long threadsInSyscall) {}
