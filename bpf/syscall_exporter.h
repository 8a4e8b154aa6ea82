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
 * Per-syscall policy tables, indexed by syscall number: which completed calls
 * at or above the slow threshold count as slow (and are sent as events), and
 * which calls in flight past their timeout count as timed out. 512 covers
 * every x86_64 and aarch64 syscall number; calls numbered above it (x32,
 * unknown) always count, after the default timeout.
 */
#define POLICY_SLOTS 512
enum count_policy {
	COUNT_NEVER = 0,   /* waits by design: epoll_wait, futex, nanosleep, ... */
	COUNT_ALWAYS = 1,  /* calls that should return promptly */
	COUNT_IF_FILE = 2, /* fd-based: only on a regular file, directory or block device */
};

/* What the fd in a call's first argument refers to, as the kernel sees its inode. */
enum fd_kind {
	FD_NONE = 0,  /* not an fd-based call, or the fd is not open */
	FD_FILE = 1,  /* regular file or directory */
	FD_BLOCK = 2, /* block device */
	FD_OTHER = 3, /* socket, pipe, character device, eventfd, ...: may wait by design */
};

/* Indexes of the per-CPU error counters. */
enum exporter_error {
	ERR_INFLIGHT_UPDATE = 0, /* no task storage for a thread: its calls went unmeasured */
	ERR_HIST_UPDATE = 1,     /* hist map full: a label set went uncounted */
	ERR_EVENT_LOST = 2,      /* ring buffer full: a slow event was dropped */
	ERR_CONTEXT_FAULT = 3,   /* a thread's trace context or carrier record could not be read */
	ERR_COUNT = 4,
};

/* Load-time knobs, the whole of .rodata (set by the exporter before load). */
struct exporter_config {
	unsigned long long slow_threshold_ns;
	unsigned int per_pid;      /* 1: histogram keys carry the pid */
	unsigned int per_cgroup;   /* 1: histogram keys and stuck calls carry the cgroup v2 id */
	unsigned int target_tgid;  /* agent mode: only this process is measured; 0: every process */
	unsigned int per_thread;   /* agent mode: histogram keys carry the thread's pool */
	unsigned long long default_timeout_ns; /* for calls numbered past POLICY_SLOTS */
	unsigned int restart_nr; /* restart_syscall's number on this architecture; ~0: none */
	unsigned int execve_nr;   /* execve's and execveat's: a joined JVM that execs leaves */
	unsigned int execveat_nr;
	unsigned int pwrite_nr;   /* pwrite64's: how a thread registers its trace context record */
	unsigned long long bounds_ns[BOUNDS_SLOTS];
	unsigned long long timeout_ns[POLICY_SLOTS];
	unsigned char slow_policy[POLICY_SLOTS];    /* enum count_policy */
	unsigned char timeout_policy[POLICY_SLOTS]; /* enum count_policy */
	unsigned char fd_arg[POLICY_SLOTS];         /* 1: the first argument is an fd */
};

/*
 * A thread's syscall in flight, in task-local storage: it lives and dies with
 * the thread (through exec, exit and pid reuse). start_ns == 0: not in a
 * syscall. arg0 is the first argument (the fd of fd-based calls).
 * reported_ns is the start of the call whose kernel stack the scan has
 * already sent, so each stuck call's stack crosses to user space once.
 */
/*
 * Whether a thread belongs to a JVM that joined the host exporter through its
 * agent socket: decided once per thread (its first syscall, or the join),
 * so no other thread pays a map lookup per syscall.
 */
enum thread_mark {
	MARK_UNKNOWN = 0, /* storage just created: look the process up */
	MARK_PLAIN = 1,
	MARK_JOINED = 2,  /* histograms by (JVM, thread pool) */
};

/*
 * A thread's pool id, named by user space from its full Java name (the kernel
 * keeps only 15 bytes of it) and written into its storage by name_threads.
 * POOL_NONE: a process's key (not by pool); POOL_BY_COMM: a thread not named
 * yet, keyed by its comm's pool; from POOL_FIRST_ID: ids user space assigns
 * per process.
 */
enum thread_pool {
	POOL_NONE = 0,
	POOL_BY_COMM = 1,
	POOL_FIRST_ID = 2,
	/*
	 * A call a carrier thread made while a virtual thread was mounted on it:
	 * POOL_VIRTUAL | the pool index its JVM gave the virtual thread (1 to
	 * 255), read from the carrier's record; index 0: the record could not be
	 * read. Ids user space assigns stay below.
	 */
	POOL_VIRTUAL = 0x8000,
};

/*
 * A carrier thread's record: the trace context record (struct trace_context)
 * of the virtual thread mounted on it, then that virtual thread's pool index
 * (0: none mounted, the carrier's own code runs). The JVM writes it on the
 * carrier thread at each mount and unmount, so while the carrier is inside a
 * syscall it holds the virtual thread that made the call. A carrier registers
 * it like a trace context record, with the cookie's CARRIER_REGISTRATION bit
 * set in the offset.
 */
#define CARRIER_MOUNTED 26
#define CARRIER_REGISTRATION (1ULL << 62)

/* In inflight.mounted: the thread is a carrier; the low 16 bits are its call's pool. */
#define MOUNTED_CARRIER (1U << 31)
#define MOUNTED_POOL 0xffff

/*
 * Where a thread's calls of one syscall were last counted: the hist_values
 * slot of its series in one drain generation on one stripe. sys_exit finds its
 * slot here instead of hashing the 40-byte hist_key on every call; a miss (a
 * new generation, a syscall not seen, another CPU stripe) takes the hash path
 * once. SLOT_CACHE entries per thread, by the syscall's hash and the stripe.
 */
#define SLOT_CACHE 16
struct slot_cache {
	unsigned int tag;  /* nr << 1 | stripe */
	unsigned int gen;  /* drain generation; 0 (an empty entry) is never one */
	unsigned int slot; /* index into hist_values */
};

struct inflight {
	unsigned long long start_ns;
	unsigned int nr;
	unsigned int mark;      /* enum thread_mark */
	unsigned long long arg0;
	unsigned long long reported_ns;
	unsigned int pool;      /* 0: not named (yet); else the id name_threads set */
	unsigned int seen_mark; /* mark and pool when the slot cache was filled */
	unsigned int seen_pool;
	/*
	 * A carrier of virtual threads (MOUNTED_CARRIER, from its registration):
	 * the pool of the virtual thread mounted when its call in flight began
	 * (MOUNTED_POOL bits; 0: none), read by sys_enter from its record. In the
	 * first cache line, as every sys_enter tests it. 0 for every other thread.
	 */
	unsigned int mounted;
	/*
	 * The inputs of the thread's hist_key when the slot cache was filled: the
	 * comm its series is named from (its process's, or its own by pool) and its
	 * cgroup. sys_exit compares them on every call; any change empties the cache.
	 */
	unsigned long long seen_comm[COMM_LEN / 8];
	unsigned long long seen_cgroup;
	struct slot_cache slots[SLOT_CACHE];
	/*
	 * A call that began before the programs were attached, found blocked in
	 * it by the scan ("seeded"): start_ns has START_SEEDED set and is a lower
	 * bound, and the call's number and first argument are these, which
	 * sys_enter never writes, so a sys_enter racing the scan is never mixed
	 * with them. seeded_switches: the thread's context switches when found.
	 */
	unsigned long long seeded_arg0;
	unsigned long long seeded_switches;
	unsigned int seeded_nr;
	/*
	 * The syscall the thread's next restart_syscall resumes, plus one (0:
	 * unknown): the one that last returned -ERESTART_RESTARTBLOCK, as a wait
	 * interrupted by a stop (SIGSTOP, ptrace, the freezer) does. A resumed
	 * call keeps the timeout and slow policy of the call it resumes.
	 */
	unsigned int resumes;
	/*
	 * The address of the thread's trace context record in its process's
	 * memory (0: none), registered by the thread itself (context_cookies).
	 */
	unsigned long long context;
};

/* In start_ns: a seeded call, whose start is a lower bound (no clock reaches bit 63). */
#define START_SEEDED (1ULL << 63)

/*
 * Histograms live in two maps: hist, a hash from the label set (this key) to a
 * slot, and hist_values, an array of slots that user space reads through mmap.
 * Free slots wait in the hist_free queue: sys_exit takes one for a new label
 * set, user space gives back those of each generation it drained.
 */
struct hist_key {
	char process[COMM_LEN]; /* leader's comm; by pool: the comm's pool (POOL_BY_COMM) or zeros */
	unsigned int pid;       /* 0 unless per_pid or a joined JVM's */
	unsigned int nr;
	unsigned int gen;       /* drain generation, from 1: user space removes a generation it drained */
	unsigned short pool;    /* enum thread_pool: POOL_NONE unless per_thread or joined */
	unsigned short stripe;  /* the CPU's stripe (HIST_STRIPES); user space sums the stripes */
	unsigned long long cgroup; /* cgroup v2 id (the cgroup directory's inode); 0 unless per_cgroup */
};

/*
 * A series is counted apart on each stripe of CPUs (the CPU number modulo
 * this), so that threads of one process on two CPUs do not fight over one
 * cache line with their atomic adds: on a 2-CPU machine that contention was
 * +108 ns per call. A series active on several stripes takes that many map
 * entries within a drain period: the hist map's 10,240 entries hold the 5,000
 * label sets of the default --labels.limit on both stripes.
 */
#define HIST_STRIPES 2

/*
 * The drain state: a global in a data section of its own (.data.drain, an
 * mmapable array map), which the programs read with a plain load and user
 * space reads and writes through its own mapping of it. gen is the generation
 * the programs write histograms under; user space moves it on (1, 2, 3, ...:
 * never back, so a thread's cached slot of an old generation can never match
 * again), waits until no program can still be adding to the old generation,
 * and drains that one. inserts counts the label sets created: user space,
 * which counts those it deletes, knows how full hist is without reading it,
 * and drains early when a storm of new label sets would fill it before the
 * next drain is due.
 */
struct drain_state {
	unsigned long long gen;
	unsigned long long inserts;
};

/* The count is the sum of the buckets: one atomic add fewer per call. */
struct hist_value {
	unsigned long long sum_ns;
	unsigned long long slow;
	unsigned long long buckets[HIST_BUCKETS];
};

/*
 * A thread's trace context as its tracer publishes it, in the OpenTelemetry
 * thread context record layout (OTEP 4947): the writer sets valid to 0, writes
 * the ids, then sets valid to 1, and restores the outer context when a scope
 * closes. Only the thread writes its own record, and it cannot while it is
 * inside a syscall: what the slow path reads at sys_exit is the context the
 * call was made in. A thread registers its record's address once, by a
 * pwrite64 of the record whose offset is its process's cookie (context_cookies).
 */
#define TRACE_ID_LEN 16
#define SPAN_ID_LEN 8
struct trace_context {
	unsigned char trace_id[TRACE_ID_LEN];
	unsigned char span_id[SPAN_ID_LEN];
	unsigned char valid;       /* 1: the ids are those of the thread's current span */
	unsigned char trace_flags; /* W3C trace flags: bit 0, sampled */
};

/* slow_event.context_state, scan_context.state */
enum context_state {
	CONTEXT_NONE = 0,  /* the thread registered no record */
	CONTEXT_READ = 1,  /* context holds the record as read */
	CONTEXT_FAULT = 2, /* the record could not be read (counted, never retried) */
};

/* Sent through the ring buffer for each call at or above the slow threshold. */
struct slow_event {
	unsigned long long latency_ns;
	unsigned int tid;
	unsigned int pid;
	unsigned int nr;
	unsigned int ns_tid; /* the tid in the thread's own pid namespace: its process's name for it */
	char thread[COMM_LEN];
	char process[COMM_LEN];
	struct hist_key key; /* the series the call was counted in (gen and stripe: 0) */
	unsigned int context_state; /* enum context_state */
	struct trace_context context;
};

/*
 * The in-flight scan (a task iterator) writes one record per call past its
 * timeout that counts under the policy, then one summary.
 */
enum scan_record_type {
	SCAN_CALL = 1,
	SCAN_SUMMARY = 2,
};

/* scan_call.flags */
enum scan_call_flag {
	CALL_BEGAN_BEFORE = 1, /* seeded: began before the programs saw it; start_ns is a lower bound */
	CALL_HAS_CONTEXT = 2,  /* its thread registered a trace context record (stuck_context) */
};

/* scan_summary.flags */
enum scan_summary_flag {
	/* No bpf_task_pt_regs (before 5.15): calls begun before the attach are not seen. */
	SUMMARY_NO_SEEDING = 1,
};

/* Frames of a stuck thread's kernel stack: deeper than a file system plus block layer wait. */
#define STACK_DEPTH 32

struct scan_call {
	unsigned int type; /* SCAN_CALL */
	unsigned int tid;
	unsigned int pid;
	unsigned int nr;
	unsigned long long start_ns;
	unsigned long long arg0;
	unsigned int fd_kind;     /* enum fd_kind */
	unsigned int stack_depth; /* frames that follow; 0: sent by an earlier scan */
	char thread[COMM_LEN];
	char process[COMM_LEN];
	unsigned int ns_tid; /* the tid in the thread's own pid namespace: its process's name for it */
	unsigned int pool;   /* the id name_threads set, or 0 */
	unsigned int flags;  /* enum scan_call_flag */
	unsigned int resumes; /* restart_syscall: the syscall it resumes, plus one; 0: none, unknown */
	unsigned long long cgroup; /* 0 unless per_cgroup */
	unsigned long long stack[STACK_DEPTH]; /* innermost first; only stack_depth are written */
};

struct scan_summary {
	unsigned int type;  /* SCAN_SUMMARY */
	unsigned int flags; /* enum scan_summary_flag */
	unsigned long long in_syscall; /* threads inside a syscall during the scan */
};

/*
 * The file behind a stuck call's fd, from the per-process file iterator:
 * PATH_LEN is the kernel's PATH_MAX; only the path's bytes (with its NUL) are
 * written.
 */
#define PATH_LEN 4096

/*
 * JVMs that may join at once: each is one entry of joined_jvms and its own
 * process label; a host runs tens of JVMs, not hundreds.
 */
#define MAX_JOINED_JVMS 256

/* What mark_jvm sets: the mark of every thread of one process, set by user space. */
struct mark_query {
	unsigned int tgid; /* in the initial pid namespace */
	unsigned int mark; /* enum thread_mark */
};

/*
 * What fd_path_of looks for, set by user space before each run. The program
 * checks the process itself: before Linux 6.1 an iterator cannot be limited
 * to one process, and the exporter may know it by another pid (a pid
 * namespace) than the kernel's tgid.
 */
/*
 * Threads name_threads may name in one run: the entries of thread_pools, a
 * thread id (in the process's own pid namespace) to its pool id.
 */
#define MAX_NAMED_THREADS 16384

/* Which process name_threads walks: set by user space before each run. */
struct pool_query {
	unsigned int tgid; /* in the initial pid namespace */
};

/* Whose trace context stuck_context reads: set by user space before each run. */
struct context_query {
	unsigned int tgid; /* in the initial pid namespace */
	unsigned int tid;  /* in the initial pid namespace */
	unsigned long long start_ns; /* the stuck call's start, as the scan reported it */
};

struct path_query {
	unsigned int fd;
	unsigned int tgid; /* in the initial pid namespace */
};

struct fd_path {
	unsigned int tid;
	unsigned int fd;
	char path[PATH_LEN];
};

#endif /* SYSCALL_EXPORTER_H */
