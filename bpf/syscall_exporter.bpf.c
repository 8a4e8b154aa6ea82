// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Per-(process, syscall) latency histograms, built in the kernel, and a scan
 * of the syscalls in flight.
 *
 * sys_enter marks the thread's call in flight in its task-local storage;
 * sys_exit folds the latency into the histogram of its (process, syscall)
 * and, for slow calls, sends an event. Only histograms, slow events and the
 * scan's stuck calls cross to user space.
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
#define S_IFDIR 0040000
#define S_IFBLK 0060000

/*
 * From include/linux/sched.h and errno.h: defines, which BTF does not carry,
 * and the same on every kernel the programs load on.
 */
#define PF_EXITING 0x00000004
#define PF_IO_WORKER 0x00000010
#define PF_USER_WORKER 0x00004000 /* vhost and io_uring workers since 6.4; unused before */
#define PF_KTHREAD 0x00200000
#define TASK_INTERRUPTIBLE 0x0001
#define TASK_UNINTERRUPTIBLE 0x0002
#define __TASK_STOPPED 0x0004
#define __TASK_TRACED 0x0008
#define ERESTART_RESTARTBLOCK 516

const volatile struct exporter_config cfg = {};

/*
 * bench/run.sh builds this program again with HOT_PATH_PARTS 1 to 3 to price
 * each part of sys_exit on its own: 1, the task storage and the clock; 2, the
 * histogram's slot (the thread's slot cache, the hash lookup on a miss); 3, the
 * bucket search; 4 (the exporter), the atomic adds and the slow-call check.
 * Constant: the cut costs nothing.
 */
#ifndef HOT_PATH_PARTS
#define HOT_PATH_PARTS 4
#endif

/*
 * Task-local storage: created at a thread's first syscall, freed with the
 * thread by the kernel. No exit path (exec from a non-leader thread, a fatal
 * signal, pid reuse) can leave a stale entry, and there is no capacity to
 * fill: storage grows with the threads alive.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct inflight);
} inflight SEC(".maps");

/*
 * Counts since the last drain, one slot per (process, syscall[, pid]) label
 * set, stripe and generation, ~1.4 KiB each: 10240 slots is 14 MiB, shared
 * by all CPUs (a per-CPU map would multiply it by the CPU count). User space
 * keeps the running totals and frees each generation's slots once it has
 * drained them, so the maps only need room for the label sets active within
 * about one drain period. hist finds a label set's slot; the exporter sizes
 * all three maps alike.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, struct hist_key);
	__type(value, __u32);
} hist SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct hist_value);
} hist_values SEC(".maps");

/* Slots not in use; user space fills it at start and gives back what it drained. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 10240);
	__type(value, __u32);
} hist_free SEC(".maps");

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

/* Scratch space for records too big for the 512-byte BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scan_call);
} scan_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fd_path);
} path_scratch SEC(".maps");

/* From 1: an empty slot cache entry (generation 0) never matches. */
struct drain_state drain SEC(".data.drain") = { .gen = 1 };

/*
 * Processes (tgid) of the JVMs joined through the agent socket, each with its
 * leader's start time (0 until mark_jvm has stamped it): a new process that
 * takes the pid of one gone is not it. User space adds and removes entries; an
 * exec removes one (process_exec).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_JOINED_JVMS);
	__type(key, __u32);
	__type(value, __u64);
} joined_jvms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct mark_query);
} mark_query SEC(".maps");

/*
 * Processes whose threads may register a trace context record, by tgid: the
 * cookie a registering pwrite64 carries as its offset, so no other write is
 * taken for one. Set by user space for the agent's own JVM, or a JVM that
 * joined and said it publishes contexts; removed when it leaves.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_JOINED_JVMS + 1);
	__type(key, __u32);
	__type(value, __u64);
} context_cookies SEC(".maps");

/* Pool ids to write into threads' storage, by tid in the process's namespace: one run's worth. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, MAX_NAMED_THREADS);
	__type(key, __u32);
	__type(value, __u32);
} thread_pools SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pool_query);
} pool_query SEC(".maps");

/* The fd whose path fd_path_of should write, and whose: set by user space before each read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct path_query);
} path_query SEC(".maps");

/* The stuck call whose trace context stuck_context should read. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct context_query);
} context_query SEC(".maps");

/* Too big for the stack; in .bss, never written, so .rodata stays the config. */
static struct hist_value zero_value;

/* Threads inside a syscall during the current scan (scans are never concurrent). */
static __u64 scan_in_syscall;

static __always_inline void count_error(__u32 which)
{
	__u64 *n = bpf_map_lookup_elem(&errors, &which);

	if (n)
		*n += 1;
}

/*
 * Agent mode measures one process: every other one leaves at the first
 * instruction. cfg is constant at load, so without a target the verifier
 * removes the test altogether.
 */
static __always_inline bool untargeted(struct task_struct *task)
{
	return cfg.target_tgid && task->tgid != cfg.target_tgid;
}

/*
 * Agent mode keys histograms by thread pool: the thread's comm with its
 * trailing number replaced by '*' ("churn-4711" -> "churn-*"), so threads
 * that come and go share one entry instead of filling the map. Constant
 * indexes only; the bytes after the '*' are zeroed, as the key is hashed whole.
 */
static __always_inline void comm_to_pool(char *c)
{
	int len = COMM_LEN - 1, start = 0;

#pragma unroll
	for (int i = COMM_LEN - 1; i >= 0; i--)
		if (!c[i])
			len = i;
#pragma unroll
	for (int i = 0; i < COMM_LEN; i++)
		if (i < len && (c[i] < '0' || c[i] > '9'))
			start = i + 1;
	if (start == len)
		return; /* no trailing number */
#pragma unroll
	for (int i = 0; i < COMM_LEN; i++) {
		if (i == start)
			c[i] = '*';
		else if (i > start)
			c[i] = 0;
	}
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

/*
 * What an fd of a task refers to, from its inode. Fault-safe reads only:
 * nothing here touches the file system, so a hung mount cannot hang it.
 */
static __always_inline __u32 fd_kind_of(struct task_struct *task, __u64 fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file *file = NULL;

	if (!fdt || fd >= BPF_CORE_READ(fdt, max_fds))
		return FD_NONE;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	if (!file)
		return FD_NONE;
	umode_t type = BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT;
	if (type == S_IFREG || type == S_IFDIR)
		return FD_FILE;
	if (type == S_IFBLK)
		return FD_BLOCK;
	return FD_OTHER;
}

/*
 * A thread's id in its own (innermost) pid namespace: in a container, the
 * number its process knows it by, as a JVM's thread dump shows it (nid=).
 */
static __always_inline __u32 tid_in_own_namespace(struct task_struct *task)
{
	struct pid *p = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);

	return BPF_CORE_READ(p, numbers[level].nr);
}

/* Whether an fd's kind is one whose I/O should return promptly. */
static __always_inline bool is_file(__u32 kind)
{
	return kind == FD_FILE || kind == FD_BLOCK;
}

/* Whether a task's process is the JVM that joined: its pid, and its leader's start. */
static __always_inline bool is_joined(struct task_struct *task)
{
	__u32 tgid = task->tgid;
	__u64 *since = bpf_map_lookup_elem(&joined_jvms, &tgid);

	return since && (!*since || *since == task->group_leader->start_time);
}

/*
 * The syscall whose policy a call follows: its own, or for a restart_syscall
 * the call it resumes (a sleep or a futex wait after SIGSTOP and SIGCONT is
 * still a wait). Unknown: restart_syscall's own, a wait by design.
 */
static __always_inline __u32 policy_nr_of(struct inflight *e, __u32 nr)
{
	__u32 resumes = e->resumes;

	return nr == cfg.restart_nr && resumes ? resumes - 1 : nr;
}

/*
 * Whether a task is asleep inside the kernel of its own accord, so that what
 * its saved user registers say is the syscall it is blocked in. Not: kernel
 * threads and io_uring or vhost workers (their registers are zeroed or their
 * creator's), an exiting task or a zombie, a task running (its registers are
 * going stale), or one stopped, traced or frozen (those stop after sys_exit
 * has fired, with the last call's number still saved).
 */
static __always_inline bool asleep_in_kernel(struct task_struct *task)
{
	unsigned int state;

	if (task->flags & (PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER | PF_EXITING) ||
	    task->exit_state)
		return false;
	if (bpf_core_field_exists(task->__state))
		state = task->__state;
	else
		state = BPF_CORE_READ((struct task_struct___pre_5_14 *)task, state);
	if (!(state & (TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)) ||
	    state & (__TASK_STOPPED | __TASK_TRACED))
		return false;
	if (bpf_core_field_exists(task->on_cpu) && BPF_CORE_READ(task, on_cpu))
		return false;
	if (bpf_core_field_exists(task->frozen) && BPF_CORE_READ_BITFIELD_PROBED(task, frozen))
		return false;
	return true;
}

/*
 * The syscall a task is in, from the user registers saved at its entry, and
 * its first argument; false when it is in none (-1: a fault or an interrupt,
 * or no syscall) or the kernel cannot say (no bpf_task_pt_regs before 5.15).
 */
static __always_inline bool saved_syscall(struct task_struct *task, __u32 *nr, __u64 *arg0)
{
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return false;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	int n;

	if (!regs)
		return false;
#if defined(__TARGET_ARCH_x86)
	n = BPF_CORE_READ(regs, orig_ax); /* only the low 32 bits count */
	*arg0 = BPF_CORE_READ(regs, di);
#else
	n = BPF_CORE_READ(regs, syscallno);
	*arg0 = BPF_CORE_READ(regs, orig_x0);
#endif
	if (n < 0)
		return false;
	*nr = n;
	return true;
}

static __always_inline __u64 switches_of(struct task_struct *task)
{
	return task->nvcsw + task->nivcsw;
}

/*
 * How long a sleeping task has been off CPU at least: its runqueue's task
 * clock now, less the time the scheduler last accounted it running (stamped
 * just before it went off CPU). Both are that CPU's clock; a runqueue that
 * has not updated its clock lately only makes the bound smaller. 0 where the
 * kernel cannot say (no CONFIG_FAIR_GROUP_SCHED).
 */
static __always_inline __u64 asleep_at_least(struct task_struct *task)
{
	if (!bpf_core_field_exists(task->se.cfs_rq))
		return 0;
	__u64 ran = BPF_CORE_READ(task, se.exec_start);
	__u64 clock = BPF_CORE_READ(task, se.cfs_rq, rq, clock_task);

	return ran && clock > ran ? clock - ran : 0;
}

/*
 * A start for a call that began before the programs saw it, in
 * bpf_ktime_get_ns's clock: now less the time the task has slept at least.
 */
static __always_inline __u64 seeded_start(struct task_struct *task)
{
	__u64 now = bpf_ktime_get_ns(), slept = asleep_at_least(task);

	return (slept < now ? now - slept : 1) | START_SEEDED;
}

/*
 * The scan's repair for a thread in a call the programs never saw begin (it
 * began before they were attached, or the thread had no storage): if it is
 * asleep in a syscall, mark that call in flight, seeded. The thread may wake
 * meanwhile: the start is claimed with a compare-and-swap, so a sys_enter that
 * comes first wins, and undone if the thread ran in between. Returns the
 * storage, or NULL when nothing is in flight.
 */
static __always_inline struct inflight *seed(struct task_struct *task, struct inflight *e)
{
	__u64 arg0, switches, start;
	__u32 nr;

	if (untargeted(task))
		return NULL;
	/* First: if the task runs after this, the count moves and the seed is undone. */
	switches = switches_of(task);
	barrier();
	if (!asleep_in_kernel(task) || !saved_syscall(task, &nr, &arg0))
		return NULL;
	if (!e)
		e = bpf_task_storage_get(&inflight, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e)
		return NULL;
	e->seeded_nr = nr;
	e->seeded_arg0 = arg0;
	e->seeded_switches = switches;
	start = seeded_start(task);
	if (__sync_val_compare_and_swap(&e->start_ns, 0, start) != 0)
		return e; /* a sys_enter came first: its call */
	if (!asleep_in_kernel(task) || switches_of(task) != switches) {
		/* It ran meanwhile: what was read may be stale. Unless a sys_enter replaced it. */
		__sync_val_compare_and_swap(&e->start_ns, start, 0);
		return NULL;
	}
	return e;
}

/*
 * The rest of a thread's hist_key (nr, gen, stripe and cgroup are the
 * caller's), from the inputs sys_exit just compared (seen_*): what is cached
 * is what those inputs name.
 */
static __always_inline void key_of(struct task_struct *task, struct inflight *e, bool by_pool,
				   struct hist_key *key)
{
	__u32 pool = e->seen_pool;

	key->pid = cfg.per_pid || e->seen_mark == MARK_JOINED ? task->tgid : 0;
	key->pool = !by_pool ? POOL_NONE : pool ? pool : POOL_BY_COMM;
	/*
	 * A named thread's pool id says it all. Until user space names it, a Java
	 * thread is keyed by its comm (its name's first 15 bytes) made a pool.
	 */
	if (!by_pool || !pool) {
		__builtin_memcpy(key->process, e->seen_comm, sizeof(key->process));
		if (by_pool)
			comm_to_pool(key->process);
	} else {
		__builtin_memset(key->process, 0, sizeof(key->process));
	}
}

/*
 * The slot of a thread's label set for one syscall, generation and stripe
 * (already in key): the hash path, taken when the thread's slot cache misses.
 * The rest of the key comes from the inputs sys_exit just compared (seen_*),
 * so what is cached is what those inputs name. A new label set takes a free
 * slot, zeroed before any other CPU can find it through hist. A function of
 * its own, not inlined: sys_exit keeps its registers for the path every call
 * takes. Returns non-zero (and counts the error) when no slot is left.
 */
static __noinline int slot_of(struct task_struct *task, struct inflight *e, bool by_pool,
			      struct hist_key *key, __u32 *slot)
{
	key_of(task, e, by_pool, key);

	__u32 *found = bpf_map_lookup_elem(&hist, key);
	if (found) {
		*slot = *found;
		return 0;
	}
	if (bpf_map_pop_elem(&hist_free, slot)) {
		count_error(ERR_HIST_UPDATE);
		return -1;
	}
	bpf_map_update_elem(&hist_values, slot, &zero_value, BPF_ANY);
	if (!bpf_map_update_elem(&hist, key, slot, BPF_NOEXIST)) {
		__sync_fetch_and_add(&drain.inserts, 1);
		return 0;
	}
	/* EEXIST: another CPU created it first (or hist is full): give the slot back. */
	bpf_map_push_elem(&hist_free, slot, 0);
	found = bpf_map_lookup_elem(&hist, key);
	if (!found) {
		count_error(ERR_HIST_UPDATE);
		return -1;
	}
	*slot = *found;
	return 0;
}

/*
 * A pwrite64 whose offset is its process's cookie registers the thread's trace
 * context record: the address written from; with CARRIER_REGISTRATION set, a
 * carrier's record, which also says the virtual thread mounted. Only pwrite64
 * calls get here, and only those of an agent's JVM or a joined one look the
 * cookie up.
 */
static __noinline void note_context(struct task_struct *task, struct inflight *e,
				    struct pt_regs *regs)
{
	__u32 tgid = task->tgid;

	if (e->mark != MARK_JOINED && !cfg.target_tgid)
		return;
	__u64 *cookie = bpf_map_lookup_elem(&context_cookies, &tgid);
	if (!cookie)
		return;
	__u64 offset = PT_REGS_PARM4_SYSCALL(regs);
	if (offset == *cookie) {
		e->context = PT_REGS_PARM2_SYSCALL(regs);
		e->mounted = 0;
	} else if (offset == (*cookie | CARRIER_REGISTRATION)) {
		e->context = PT_REGS_PARM2_SYSCALL(regs);
		e->mounted = MOUNTED_CARRIER;
	}
}

/*
 * The pool of the virtual thread mounted on a carrier now, from the carrier's
 * record: one byte, which only the carrier itself writes, and it is here, in a
 * syscall. A carrier's calls only: no other thread pays for it. A fault (never
 * seen: the carrier wrote the page at the mount) is counted, and the call put
 * under an unknown virtual thread, never another's.
 */
static __noinline __u32 mounted_pool(struct inflight *e)
{
	const void *at = (const void *)(e->context + CARRIER_MOUNTED);
	__u8 index;

	if (bpf_probe_read_user(&index, sizeof(index), at)) {
		count_error(ERR_CONTEXT_FAULT);
		return POOL_VIRTUAL;
	}
	return index ? POOL_VIRTUAL | index : 0;
}

/* The pool a thread's call counts under: a carrier's mounted virtual thread's, else its own. */
static __always_inline __u32 pool_of_call(struct inflight *e)
{
	__u32 mounted = e->mounted & MOUNTED_POOL;

	return mounted ? mounted : e->pool;
}

/*
 * Copies the calling thread's trace context record, if it registered one, into
 * a slow event: off the hot path. A fault (the page is not resident) is counted
 * and left at that: the call has returned, there is nothing to wait for.
 */
static __always_inline void read_context(struct inflight *e, struct slow_event *ev)
{
	__u64 at = e->context;

	ev->context_state = CONTEXT_NONE;
	if (!at)
		return;
	if (bpf_probe_read_user(&ev->context, sizeof(ev->context), (const void *)at)) {
		ev->context_state = CONTEXT_FAULT;
		count_error(ERR_CONTEXT_FAULT);
		return;
	}
	ev->context_state = CONTEXT_READ;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();

	/* -1: a call a tracer (ptrace, seccomp) skipped; it never runs, so it has no latency. */
	if (untargeted(task) || id < 0)
		return 0;

	struct inflight *e = bpf_task_storage_get(&inflight, task, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!e) {
		count_error(ERR_INFLIGHT_UPDATE);
		return 0;
	}
	/* Once per thread: a fresh storage is zeroed (MARK_UNKNOWN). */
	if (!e->mark)
		e->mark = is_joined(task) ? MARK_JOINED : MARK_PLAIN;
	if (id == cfg.pwrite_nr)
		note_context(task, e, regs);
	if (e->mounted)
		e->mounted = MOUNTED_CARRIER | mounted_pool(e);
	/* The scan reads start_ns first: write it last. */
	e->nr = id;
	e->arg0 = PT_REGS_PARM1_SYSCALL(regs);
	e->start_ns = bpf_ktime_get_ns();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (untargeted(task))
		return 0;

	struct inflight *e = bpf_task_storage_get(&inflight, task, 0, 0);

	/* No start seen: the call began before we attached (not seeded), or a tracer skipped it. */
	if (!e || !e->start_ns)
		return 0;

	__u64 start = e->start_ns;
	__u32 nr = e->nr;

	/* A wait a stop interrupted: the restart_syscall that resumes it keeps its policy. */
	if (ret == -ERESTART_RESTARTBLOCK) {
		__u32 was = start & START_SEEDED ? e->seeded_nr : nr;

		if (was != cfg.restart_nr)
			e->resumes = was + 1;
	}
	/* Seeded: its start is only a lower bound, no latency to count. */
	if (start & START_SEEDED) {
		e->start_ns = 0;
		return 0;
	}
	__u64 latency = bpf_ktime_get_ns() - start;
	if (HOT_PATH_PARTS < 2) {
		e->start_ns = 0;
		return latency == 0; /* used: the clock read stays */
	}
	__u32 gen = drain.gen;
	__u32 slot;
	__u32 stripe = bpf_get_smp_processor_id() & (HIST_STRIPES - 1);
	e->start_ns = 0;

	/*
	 * The slot cache holds while the key's inputs are those it was filled
	 * with. Plain loads through the BTF-typed task, not bpf_probe_read_kernel:
	 * the verifier makes them fault-safe, and they save a helper call.
	 */
	__u32 mark = e->mark, pool = pool_of_call(e); /* once: the iterators may write them */

	/* A joined JVM that has exec'd another program is that JVM no more; user space sees it. */
	if (mark == MARK_JOINED && ret == 0 && (nr == cfg.execve_nr || nr == cfg.execveat_nr)) {
		__u32 tgid = task->tgid;

		bpf_map_delete_elem(&joined_jvms, &tgid);
		e->mark = mark = MARK_PLAIN;
		e->pool = pool = 0;
		e->context = 0; /* an address in the memory the exec replaced */
		e->mounted = 0;
	}
	bool by_pool = cfg.per_thread || mark == MARK_JOINED;
	struct task_struct *named = by_pool ? task : task->group_leader;
	const __u64 *comm = (const __u64 *)named->comm;
	__u64 comm0 = comm[0], comm1 = comm[1];
	__u64 cgroup = cfg.per_cgroup ? bpf_get_current_cgroup_id() : 0;

	if (comm0 != e->seen_comm[0] || comm1 != e->seen_comm[1] || cgroup != e->seen_cgroup ||
	    mark != e->seen_mark || pool != e->seen_pool) {
		e->seen_comm[0] = comm0;
		e->seen_comm[1] = comm1;
		e->seen_cgroup = cgroup;
		e->seen_mark = mark;
		e->seen_pool = pool;
#pragma unroll
		for (int i = 0; i < SLOT_CACHE; i++)
			e->slots[i].gen = 0;
	}
	__u32 tag = nr << 1 | stripe;
	/* Two entries per syscall hash, one per stripe: a thread that moves between CPUs keeps both. */
	__u32 at = ((nr * 0x9E3779B1u) >> 28) << 1 | stripe;

	barrier_var(at); /* the mask stays, for the verifiers of 6.1 and before */
	struct slot_cache *c = &e->slots[at & (SLOT_CACHE - 1)];

	if (c->tag == tag && c->gen == gen) {
		slot = c->slot;
	} else {
		struct hist_key key = { .nr = nr, .gen = gen, .stripe = stripe, .cgroup = cgroup };

		if (slot_of(task, e, by_pool, &key, &slot))
			return 0;
		c->tag = tag;
		c->gen = gen;
		c->slot = slot;
	}
	struct hist_value *v = bpf_map_lookup_elem(&hist_values, &slot);
	if (!v)
		return 0; /* never: slots come from the queue user space filled */
	if (HOT_PATH_PARTS < 3)
		return 0;
	__u32 bucket = bucket_of(latency);
	if (HOT_PATH_PARTS < 4)
		return bucket == HIST_BUCKETS; /* used: the search stays */
	__sync_fetch_and_add(&v->buckets[bucket], 1);
	__sync_fetch_and_add(&v->sum_ns, latency);

	/* Only calls at or above the slow threshold look further: off the hot path. */
	if (latency < cfg.slow_threshold_ns)
		return 0;
	__u8 policy = COUNT_ALWAYS;
	__u32 policy_nr = policy_nr_of(e, nr);
	if (policy_nr < POLICY_SLOTS) {
		__u32 at = policy_nr;

		barrier_var(at); /* the mask stays, for the verifiers of 6.1 and before */
		policy = cfg.slow_policy[at & (POLICY_SLOTS - 1)];
	}
	if (policy == COUNT_NEVER ||
	    (policy == COUNT_IF_FILE && !is_file(fd_kind_of(task, e->arg0))))
		return 0;
	__sync_fetch_and_add(&v->slow, 1);

	struct slow_event *ev = bpf_ringbuf_reserve(&slow_events, sizeof(*ev), 0);
	if (!ev) {
		count_error(ERR_EVENT_LOST);
		return 0;
	}
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	ev->latency_ns = latency;
	ev->tid = (__u32)pid_tgid;
	ev->pid = pid_tgid >> 32;
	ev->nr = nr;
	ev->ns_tid = tid_in_own_namespace(task);
	bpf_get_current_comm(ev->thread, sizeof(ev->thread));
	/* Not the key's process: by pool that is the thread's pool. */
	__builtin_memcpy(ev->process, task->group_leader->comm, sizeof(ev->process));
	ev->key.nr = nr;
	ev->key.gen = 0;
	ev->key.stripe = 0;
	ev->key.cgroup = cgroup;
	key_of(task, e, by_pool, &ev->key);
	read_context(e, ev);
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

/*
 * A thread that dies inside a call (exit, exit_group, a fatal signal) never
 * reaches sys_exit. Its storage goes when its task_struct is freed, which a
 * zombie leader can put off for as long as its parent does not reap it: end
 * the call here, so the scan never sees a dead thread as stuck.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(thread_exit)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (untargeted(task))
		return 0;

	struct inflight *e = bpf_task_storage_get(&inflight, task, 0, 0);

	if (e)
		e->start_ns = 0;
	return 0;
}

/*
 * Marks every thread of one process (mark_query) as joined or plain: run by
 * user space when a JVM joins or leaves, for the threads that already have
 * storage, or none yet. Threads started later are marked at their first
 * syscall. Joining, it stamps the process's entry with its leader's start
 * time. Filters by itself: before Linux 6.1 the iterator visits every task.
 */
SEC("iter/task")
int mark_jvm(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 zero = 0;

	if (!task)
		return 0;
	struct mark_query *q = bpf_map_lookup_elem(&mark_query, &zero);
	if (!q || task->tgid != q->tgid)
		return 0;
	if (q->mark == MARK_JOINED) {
		__u32 tgid = task->tgid;
		__u64 *since = bpf_map_lookup_elem(&joined_jvms, &tgid);

		if (since && !*since)
			*since = task->group_leader->start_time;
	}
	struct inflight *e = bpf_task_storage_get(&inflight, task, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e) {
		e->mark = q->mark;
		/* Ids are a join's: a JVM that joins again is named, its carriers registered, anew. */
		e->pool = 0;
		e->mounted = 0;
	}
	return 0;
}

/*
 * Writes the pool id user space gave each named thread (thread_pools, by the
 * tid its process knows it by) into the thread's storage, for the threads of
 * one process (pool_query). A thread not in the map keeps what it has; 0
 * unnames it. Threads without storage get it now: a thread named before its
 * first syscall is keyed by its pool from that call on.
 */
SEC("iter/task")
int name_threads(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	__u32 zero = 0;

	if (!task)
		return 0;
	struct pool_query *q = bpf_map_lookup_elem(&pool_query, &zero);
	if (!q || task->tgid != q->tgid)
		return 0;
	__u32 tid = tid_in_own_namespace(task);
	__u32 *pool = bpf_map_lookup_elem(&thread_pools, &tid);
	if (!pool)
		return 0;
	struct inflight *e = bpf_task_storage_get(&inflight, task, 0,
						  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (e)
		e->pool = *pool;
	return 0;
}

/*
 * The reader's process id in the initial pid namespace, which the programs
 * filter on in agent mode: a JVM in a pid namespace of its own (a container)
 * knows itself by another number. Run once by the agent before it loads the
 * rest.
 */
SEC("iter/task")
int whoami(struct bpf_iter__task *ctx)
{
	if (ctx->meta->seq_num == 0) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;

		bpf_seq_write(ctx->meta->seq, &tgid, sizeof(tgid));
	}
	return 0;
}

/*
 * The in-flight scan: run by user space every --scan.interval over every
 * thread. Writes a scan_call for each call past its timeout that counts under
 * the policy (with its kernel stack, the first time the call is reported),
 * then a scan_summary.
 */
SEC("iter/task")
int scan_inflight(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u32 zero = 0;

	if (ctx->meta->seq_num == 0)
		scan_in_syscall = 0;
	if (!task) {
		struct scan_summary s = { .type = SCAN_SUMMARY, .in_syscall = scan_in_syscall };

		if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
			s.flags = SUMMARY_NO_SEEDING;
		bpf_seq_write(seq, &s, sizeof(s));
		return 0;
	}

	struct inflight *e = bpf_task_storage_get(&inflight, task, 0, 0);
	__u64 start = e ? e->start_ns : 0;
	if (!start) {
		/* Every scan, not only the first: whatever began before us is found. */
		e = seed(task, e);
		if (!e)
			return 0;
		start = e->start_ns;
	} else if (start & START_SEEDED && e->reported_ns != start && asleep_in_kernel(task) &&
		   switches_of(task) == e->seeded_switches) {
		/* Still asleep since found: a runqueue clock that moved on may say it began earlier. */
		__u64 earlier = seeded_start(task);

		if (earlier < start && __sync_val_compare_and_swap(&e->start_ns, start, earlier) == start)
			start = earlier;
	}
	if (!start)
		return 0;
	scan_in_syscall++;

	bool seeded = start & START_SEEDED;
	__u32 nr = seeded ? e->seeded_nr : e->nr;
	__u64 arg0 = seeded ? e->seeded_arg0 : e->arg0;
	__u32 policy_nr = policy_nr_of(e, nr);
	__u64 since = start & ~START_SEEDED;
	__u64 now = bpf_ktime_get_ns();
	__u64 timeout = cfg.default_timeout_ns;
	__u8 policy = COUNT_ALWAYS;
	bool fd_arg = false;
	if (policy_nr < POLICY_SLOTS) {
		/* Masked as well: clang may compute the address before the check. */
		timeout = cfg.timeout_ns[policy_nr & (POLICY_SLOTS - 1)];
		policy = cfg.timeout_policy[policy_nr & (POLICY_SLOTS - 1)];
		fd_arg = cfg.fd_arg[policy_nr & (POLICY_SLOTS - 1)];
	}
	/* now < since: the call began on another CPU after this scan read the clock. */
	if (policy == COUNT_NEVER || now < since || now - since < timeout)
		return 0;
	__u32 kind = fd_arg ? fd_kind_of(task, arg0) : FD_NONE;
	if (policy == COUNT_IF_FILE && !is_file(kind))
		return 0;

	struct scan_call *c = bpf_map_lookup_elem(&scan_scratch, &zero);
	if (!c)
		return 0;
	c->type = SCAN_CALL;
	c->tid = task->pid;
	c->pid = task->tgid;
	c->nr = nr;
	c->start_ns = since;
	c->arg0 = arg0;
	c->fd_kind = kind;
	__builtin_memcpy(c->thread, task->comm, sizeof(c->thread));
	__builtin_memcpy(c->process, task->group_leader->comm, sizeof(c->process));
	c->ns_tid = tid_in_own_namespace(task);
	/* A seeded call's sys_enter was never seen: what mounted says is another call's. */
	c->pool = seeded ? e->pool : pool_of_call(e);
	c->flags = (seeded ? CALL_BEGAN_BEFORE : 0) | (e->context ? CALL_HAS_CONTEXT : 0);
	c->resumes = nr == cfg.restart_nr ? e->resumes : 0;
	/* The same id bpf_get_current_cgroup_id gives sys_exit: the task's cgroup v2 directory. */
	c->cgroup = cfg.per_cgroup ? BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id) : 0;
	__u64 depth = 0;
	if (e->reported_ns != start) {
		long bytes = bpf_get_task_stack(task, c->stack, sizeof(c->stack), 0);

		if (bytes > 0)
			depth = bytes / sizeof(c->stack[0]);
		e->reported_ns = start;
	}
	if (depth > STACK_DEPTH)
		depth = STACK_DEPTH;
	c->stack_depth = depth;
	bpf_seq_write(seq, c, offsetof(struct scan_call, stack) + depth * sizeof(c->stack[0]));
	return 0;
}

/*
 * The trace context record of one stuck call's thread (context_query), read
 * from that thread's process: user space runs this once per stuck call whose
 * thread registered one. Sleepable, as reading another process's memory may
 * fault pages in or wait for its mmap lock: user space runs it on a thread of
 * its own and gives up waiting after a moment, so a process whose memory
 * cannot be read holds up only this, never the scan.
 */
SEC("iter.s/task")
int stuck_context(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct trace_context record = {};
	__u32 zero = 0;

	if (!task)
		return 0;
	struct context_query *q = bpf_map_lookup_elem(&context_query, &zero);
	if (!q || task->tgid != q->tgid || task->pid != q->tid)
		return 0;
	struct inflight *e = bpf_task_storage_get(&inflight, task, 0, 0);
	if (!e || !e->context || (e->start_ns & ~START_SEEDED) != q->start_ns)
		return 0;
	if (bpf_copy_from_user_task(&record, sizeof(record), (void *)e->context, task, 0)) {
		count_error(ERR_CONTEXT_FAULT);
		return 0;
	}
	/* Still in the same call: its thread has not returned and written the record since. */
	if ((e->start_ns & ~START_SEEDED) != q->start_ns)
		return 0;
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}

/*
 * The path of one fd (path_query) of one process: user space attaches this
 * iterator to the stuck call's process where the kernel allows (Linux 6.1+),
 * to every task elsewhere. It visits the process's file table once (threads
 * that share it are skipped) and each thread with a table of its own.
 * bpf_d_path reads only the dentry cache: a hung mount cannot hang it.
 */
SEC("iter/task_file")
int fd_path_of(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	__u32 zero = 0;

	if (!task || !file)
		return 0;
	struct path_query *q = bpf_map_lookup_elem(&path_query, &zero);
	if (!q || q->fd != ctx->fd || q->tgid != task->tgid)
		return 0;
	struct fd_path *p = bpf_map_lookup_elem(&path_scratch, &zero);
	if (!p)
		return 0;
	p->tid = task->pid;
	p->fd = ctx->fd;
	long len = bpf_d_path((struct path *)&file->f_path, p->path, sizeof(p->path));
	if (len <= 0 || len > sizeof(p->path))
		return 0;
	bpf_seq_write(ctx->meta->seq, p, offsetof(struct fd_path, path) + len);
	return 0;
}
