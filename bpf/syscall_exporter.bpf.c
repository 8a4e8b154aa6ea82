// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-(process, syscall) latency histograms, built in the kernel.
 *
 * sys_enter marks the thread's call in flight; sys_exit folds the latency
 * into the histogram of its (process, syscall) and, for slow calls, sends an
 * event. Only histograms and slow events cross to user space.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "syscall_exporter.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* From include/uapi/linux/stat.h, which vmlinux.h does not carry. */
#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)

const volatile struct exporter_config cfg = {};

/*
 * Sized for the threads alive at once on a large host; a thread that finds
 * the map full goes unmeasured and is counted in ERR_INFLIGHT_UPDATE.
 * Preallocated: inserts on the hot path never allocate.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct inflight);
} inflight SEC(".maps");

/*
 * One entry per (process, syscall[, pid]) label set, ~1.4 KiB each: 10240
 * entries is 14 MiB, shared by all CPUs (a per-CPU map would multiply it
 * by the CPU count). Entries are never deleted, so counters never go back.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct hist_key);
	__type(value, struct hist_value);
} hist SEC(".maps");

/* 1 MiB holds ~16,000 slow events (56 bytes + an 8-byte header) between two polls. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} slow_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ERR_COUNT);
	__type(key, __u32);
	__type(value, __u64);
} errors SEC(".maps");

/* Too big for the 512-byte stack; in .bss, never written, so .rodata stays the config. */
static struct hist_value zero_value;

static __always_inline void count_error(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&errors, &which);

	if (n)
		*n += 1;
}

/* Index of the first bucket whose upper bound is >= ns (lower_bound). */
static __always_inline __u32 bucket_of(__u64 ns)
{
	__u32 k = 0;

#pragma unroll
	for (int step = BOUNDS_SLOTS / 2; step > 0; step >>= 1)
		if (cfg.bounds_ns[(k + step - 1) & (BOUNDS_SLOTS - 1)] < ns)
			k += step;
	return k < HIST_BUCKETS ? k : HIST_BUCKETS - 1;
}

/* Whether fd refers to a regular file or a block device (not a socket, pipe, tty, ...). */
static __always_inline bool fd_is_file(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return false;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return false;
	umode_t mode = BPF_CORE_READ(file, f_inode, i_mode);
	return S_ISREG(mode) || S_ISBLK(mode);
}

/* Only reached for calls at or above the slow threshold: off the hot path. */
static __always_inline bool counts_as_slow(struct task_struct *task, __u32 nr, __u64 arg0)
{
	if (nr >= POLICY_SLOTS)
		return true;
	switch (cfg.slow_policy[nr]) {
	case SLOW_NEVER:
		return false;
	case SLOW_IF_FILE:
		return fd_is_file(task, arg0);
	default:
		return true;
	}
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct inflight *e = bpf_map_lookup_elem(&inflight, &tid);

	if (e) {
		/* Updated in place: an insert and a delete per call cost ~60% more. */
		e->nr = id;
		e->pid = pid_tgid >> 32;
		e->arg0 = PT_REGS_PARM1_SYSCALL(regs);
		e->start_ns = bpf_ktime_get_ns();
		return 0;
	}

	struct inflight fresh = {
		.start_ns = bpf_ktime_get_ns(),
		.nr = id,
		.pid = pid_tgid >> 32,
		.arg0 = PT_REGS_PARM1_SYSCALL(regs),
	};
	if (bpf_map_update_elem(&inflight, &tid, &fresh, BPF_NOEXIST))
		count_error(ERR_INFLIGHT_UPDATE);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct inflight *e = bpf_map_lookup_elem(&inflight, &tid);

	/* No start seen: the call began before we attached. */
	if (!e || !e->start_ns)
		return 0;

	__u64 latency = bpf_ktime_get_ns() - e->start_ns;
	__u64 arg0 = e->arg0;
	struct hist_key key = {
		.pid = cfg.per_pid ? pid_tgid >> 32 : 0,
		.nr = e->nr,
	};
	e->start_ns = 0;

	/*
	 * Plain loads through the BTF-typed task, not bpf_probe_read_kernel: the verifier turns
	 * them into fault-safe loads, and they save a helper call on every syscall (~30 ns here).
	 */
	struct task_struct *task = bpf_get_current_task_btf();
	struct task_struct *leader = task->group_leader;
	__builtin_memcpy(key.process, leader->comm, sizeof(key.process));

	struct hist_value *v = bpf_map_lookup_elem(&hist, &key);
	if (!v) {
		/* EEXIST: another CPU created it first; the lookup below finds it. */
		bpf_map_update_elem(&hist, &key, &zero_value, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&hist, &key);
		if (!v) {
			count_error(ERR_HIST_UPDATE);
			return 0;
		}
	}
	__sync_fetch_and_add(&v->buckets[bucket_of(latency)], 1);
	__sync_fetch_and_add(&v->sum_ns, latency);

	if (latency < cfg.slow_threshold_ns || !counts_as_slow(task, key.nr, arg0))
		return 0;
	__sync_fetch_and_add(&v->slow, 1);

	struct slow_event *ev = bpf_ringbuf_reserve(&slow_events, sizeof(*ev), 0);
	if (!ev) {
		count_error(ERR_EVENT_LOST);
		return 0;
	}
	ev->latency_ns = latency;
	ev->tid = tid;
	ev->pid = pid_tgid >> 32;
	ev->nr = key.nr;
	ev->pad = 0;
	bpf_get_current_comm(ev->thread, sizeof(ev->thread));
	__builtin_memcpy(ev->process, key.process, sizeof(ev->process));
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * A thread that dies inside a call (exit, exit_group, a fatal signal) never
 * reaches sys_exit: drop its entry here so the map does not leak.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&inflight, &tid);
	return 0;
}
