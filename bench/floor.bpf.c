// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reference points for the overhead benchmark, attached the same way as the
 * exporter's programs (tp_btf on sys_enter and sys_exit):
 *   empty_*: do nothing, the cost of attaching at all;
 *   ts_*:    read the clock once on each side, the least any latency tracer does.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

__u64 sink;

SEC("tp_btf/sys_enter")
int BPF_PROG(empty_enter)
{
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(empty_exit)
{
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(ts_enter)
{
	sink = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(ts_exit)
{
	sink = bpf_ktime_get_ns();
	return 0;
}
