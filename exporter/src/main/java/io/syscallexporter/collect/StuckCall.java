package io.syscallexporter.collect;

/**
 * A syscall in flight past its timeout that counts under the policy, as the kernel's scan
 * reported it. {@code tid} and {@code pid} are the kernel's (the initial pid namespace's);
 * {@code nsTid} is the thread's id in its own pid namespace, which its process (a JVM in a
 * container) knows it by. {@code kernelStack} holds the thread's kernel stack (innermost first)
 * the first time the call is reported, and is empty afterwards: it is sent once per call.
 * {@code cgroup} is the thread's cgroup v2 id, 0 unless cgroup labels are on. {@code pool} is
 * the pool id its JVM's pools gave the thread (0: not named). {@code beganBefore}: the call
 * began before the programs could see it (before the exporter started, or attached), so
 * {@code startNanos} is a lower bound of its age: the last time its thread ran. {@code resumes}
 * is, for a {@code restart_syscall}, the number of the call it resumes, -1 otherwise or when
 * unknown. {@code hasContext}: its thread registered a trace context record, which
 * {@link KernelSource#traceContext} can read.
 */
public record StuckCall(int tid, int nsTid, int pid, int nr, long startNanos, long arg0,
    FdKind fdKind, String thread, String process, long cgroup, int pool, long[] kernelStack,
    boolean beganBefore, int resumes, boolean hasContext) {}
