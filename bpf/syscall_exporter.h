/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layouts shared by the BPF programs and the exporter. The Java side mirrors
 * these in io.syscallexporter.bpf.Layouts; LayoutsTest reads this header and
 * fails when the two disagree.
 */
#ifndef SYSCALL_EXPORTER_H
#define SYSCALL_EXPORTER_H

/* TASK_COMM_LEN in the kernel; process and thread names are cut there. */
#define COMM_LEN 16

/*
 * Latency buckets follow the native histogram schema 2 (4 buckets per power
 * of two): native bucket i holds latencies in (2^((i-1)/4), 2^(i/4)] seconds.
 * Kernel bucket 0 is the zero bucket (<= 2^(NATIVE_MIN_INDEX/4) s, ~15 ns),
 * kernel bucket k (1..HIST_NATIVE_BUCKETS) is native index NATIVE_MIN_INDEX+k,
 * and the last kernel bucket holds what is above 2^(NATIVE_MAX_INDEX/4) s
 * (65536 s, ~18 h).
 */
#define NATIVE_SCHEMA 2
#define NATIVE_MIN_INDEX (-104)
#define NATIVE_MAX_INDEX 64
#define HIST_NATIVE_BUCKETS (NATIVE_MAX_INDEX - NATIVE_MIN_INDEX)
#define HIST_BUCKETS (HIST_NATIVE_BUCKETS + 2)

/*
 * Upper bounds (ns) of kernel buckets 0..HIST_BUCKETS-2, padded with ~0 to a
 * power of two so the branch-free binary search needs no bounds checks:
 * 8 steps cover 256 slots.
 */
#define BOUNDS_SLOTS 256
#define BOUNDS_SEARCH_STEPS 8

/*
 * Per-syscall slow-event policy, indexed by syscall number: which completed
 * calls at or above the slow threshold count in syscall_slow_total and are
 * sent as events. 512 covers every x86_64 and aarch64 syscall number; calls
 * numbered above it (x32, unknown) are treated as SLOW_ALWAYS.
 */
#define POLICY_SLOTS 512
enum slow_policy {
	SLOW_NEVER = 0,   /* waits by design: epoll_wait, futex, nanosleep, ... */
	SLOW_ALWAYS = 1,  /* calls that should return promptly */
	SLOW_IF_FILE = 2, /* fd-based: only on a regular file or block device */
};

/* Indexes of the per-CPU error counters. */
enum exporter_error {
	ERR_INFLIGHT_UPDATE = 0, /* inflight map full: a call went unmeasured */
	ERR_HIST_UPDATE = 1,     /* hist map full: a label set went uncounted */
	ERR_EVENT_LOST = 2,      /* ring buffer full: a slow event was dropped */
	ERR_COUNT = 3,
};

/* Load-time knobs, the whole of .rodata (set by the exporter before load). */
struct exporter_config {
	unsigned long long slow_threshold_ns;
	unsigned int per_pid;      /* 1: histogram keys carry the pid */
	unsigned int pad;
	unsigned long long bounds_ns[BOUNDS_SLOTS];
	unsigned char slow_policy[POLICY_SLOTS];
};

/*
 * One per thread, keyed by tid. start_ns == 0: not in a syscall. arg0 is the
 * first argument (the fd of fd-based calls), for the scanner to look up.
 */
struct inflight {
	unsigned long long start_ns;
	unsigned int nr;
	unsigned int pid;
	unsigned long long arg0;
};

struct hist_key {
	char process[COMM_LEN]; /* comm of the thread-group leader */
	unsigned int pid;       /* 0 unless per_pid */
	unsigned int nr;
};

/* The count is the sum of the buckets: one atomic add fewer per call. */
struct hist_value {
	unsigned long long sum_ns;
	unsigned long long slow;
	unsigned long long buckets[HIST_BUCKETS];
};

/* Sent through the ring buffer for each call at or above the slow threshold. */
struct slow_event {
	unsigned long long latency_ns;
	unsigned int tid;
	unsigned int pid;
	unsigned int nr;
	unsigned int pad;
	char thread[COMM_LEN];
	char process[COMM_LEN];
};

#endif /* SYSCALL_EXPORTER_H */
