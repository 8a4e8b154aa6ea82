// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The per-CPU fast slot, priced against task-local storage (bench/fast-slot.sh).
 * Each pair keeps the start of a thread's call and reads it back at its exit:
 *   storage_*:    in the thread's task-local storage on both sides, as the exporter does;
 *   fast_*:       on enter in a per-CPU slot (an array access the verifier inlines: no helper
 *                 call, no task pointer), spilled to the thread's storage by spill_switch
 *                 when the thread is switched out inside the call. fast_exit still looks the
 *                 thread's storage up: the exporter's sys_exit needs it for the call's key
 *                 and the thread's slot cache whatever enter does.
 *   empty_switch: an empty program on sched_switch, what every context switch pays at least.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct start {
	__u64 ns;
	__u64 nr;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct start);
} fast SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct start);
} starts SEC(".maps");

__u64 sink;

SEC("tp_btf/sys_enter")
int BPF_PROG(storage_enter, struct pt_regs *regs, long id)
{
	struct start *s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0,
					       BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (s) {
		s->nr = id;
		s->ns = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(storage_exit)
{
	struct start *s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0, 0);

	if (s && s->ns) {
		sink += bpf_ktime_get_ns() - s->ns;
		s->ns = 0;
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(fast_enter, struct pt_regs *regs, long id)
{
	__u32 zero = 0;
	struct start *f = bpf_map_lookup_elem(&fast, &zero);

	if (f) {
		f->nr = id;
		f->ns = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(fast_exit)
{
	__u32 zero = 0;
	struct start *f = bpf_map_lookup_elem(&fast, &zero);
	struct start *s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), 0,
					       BPF_LOCAL_STORAGE_GET_F_CREATE);
	__u64 start = 0;

	/* Still in the slot: the thread was not switched out since its enter. */
	if (f && f->ns) {
		start = f->ns;
		f->ns = 0;
	} else if (s) {
		start = s->ns;
	}
	if (s)
		s->ns = 0;
	if (start)
		sink += bpf_ktime_get_ns() - start;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(spill_switch, bool preempt, struct task_struct *prev)
{
	__u32 zero = 0;
	struct start *f = bpf_map_lookup_elem(&fast, &zero);

	if (!f || !f->ns)
		return 0;
	struct start *s = bpf_task_storage_get(&starts, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);

	if (s)
		*s = *f;
	f->ns = 0;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(empty_switch)
{
	return 0;
}
