// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Makes a known number of syscalls of known duration, under a process name
 * chosen by the test, so the test can check the exporter's exact numbers.
 *
 *   workload NAME getppid N          N getppid calls
 *   workload NAME getppid-threads T N  T threads of N getppid calls each, at once
 *   workload NAME names N            N short-lived children in turn, named NAME_0,
 *                                    NAME_1, ..., each making one getppid call
 *   workload NAME nanosleep K MS     K nanosleep calls of MS milliseconds each;
 *                                    prints "slept NS" after each, as it measured it
 *   workload NAME read PATH          one read of a file
 *   workload NAME block KIND         block forever in one call of KIND: epoll,
 *                                    futex, nanosleep, pipe, accept, pty
 *   workload NAME threads N KIND     N threads, each blocked forever in KIND;
 *                                    KIND "mixed": even ones nanosleep, odd
 *                                    ones pipe; "exit": each thread exits
 *   workload NAME exec-thread SECS   a second thread execs "sleep SECS": the
 *                                    new program takes over the process's pid
 *   workload NAME rename N NAME2     a second thread makes N getppid calls, the
 *                                    process renames itself NAME2, the same
 *                                    thread makes N more
 *   workload NAME mixed N            N rounds of each of the MIXED_CALLS cheap
 *                                    syscalls below, more than a thread's slot
 *                                    cache holds
 *
 * Raw syscall(2) where the name matters: glibc's nanosleep() is
 * clock_nanosleep. Prints "ready" before the measured calls begin (for block
 * and threads: once every thread is started) and "done" at the end.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/futex.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: workload NAME getppid N | getcpu N | getppid-threads T N | names N [getcpu] |"
		" nanosleep K MS | read PATH | block KIND | threads N KIND | exec-thread SECS |"
		" rename N NAME2 | mixed N\n");
	exit(2);
}

static void ready(void)
{
	printf("ready\n");
	fflush(stdout);
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int pipe_fds[2];

/* Blocks the calling thread in one call of the given kind, forever. */
static void block(const char *kind)
{
	char c;

	if (!strcmp(kind, "nanosleep")) {
		struct timespec ts = { .tv_sec = 1000000 };

		syscall(SYS_nanosleep, &ts, NULL);
	} else if (!strcmp(kind, "pipe")) {
		if (read(pipe_fds[0], &c, 1) < 0)
			die("read");
	} else if (!strcmp(kind, "futex")) {
		static int word;

		syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	} else if (!strcmp(kind, "epoll")) {
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(0);

		if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, pipe_fds[0], &ev))
			die("epoll");
		epoll_wait(ep, &out, 1, -1);
	} else if (!strcmp(kind, "accept")) {
		struct sockaddr_in addr = { .sin_family = AF_INET,
					    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0 || bind(s, (struct sockaddr *)&addr, sizeof(addr)) || listen(s, 1))
			die("socket");
		accept(s, NULL, NULL);
	} else if (!strcmp(kind, "pty")) {
		int master = posix_openpt(O_RDWR | O_NOCTTY), slave;

		if (master < 0 || grantpt(master) || unlockpt(master))
			die("posix_openpt");
		slave = open(ptsname(master), O_RDWR | O_NOCTTY);
		if (slave < 0)
			die("open pts");
		if (read(slave, &c, 1) < 0)
			die("read pty");
	} else {
		usage();
	}
}

static void *thread_main(void *kind)
{
	if (!strcmp(kind, "exit"))
		syscall(SYS_exit, 0); /* never returns: the exporter must drop its entry */
	block(kind);
	return NULL;
}

static long per_thread;

static void *getppid_main(void *unused)
{
	for (long i = 0; i < per_thread; i++)
		syscall(SYS_getppid);
	return NULL;
}

static pthread_barrier_t renamed[2];

/* N getppid, then (while the leader renames the process) N more, from one thread. */
static void *rename_main(void *unused)
{
	for (long i = 0; i < per_thread; i++)
		syscall(SYS_getppid);
	pthread_barrier_wait(&renamed[0]);
	pthread_barrier_wait(&renamed[1]);
	for (long i = 0; i < per_thread; i++)
		syscall(SYS_getppid);
	return NULL;
}

/*
 * Cheap calls that exist on x86_64 and aarch64 alike, each returning at once;
 * SeriesSlotsIT names them the same way.
 */
static void mixed_round(void)
{
	struct rusage ru;
	struct sysinfo si;
	struct utsname un;
	struct tms tm;
	cpu_set_t cpus;
	char cwd[256];
	uid_t a, b, c;

	syscall(SYS_getppid);
	syscall(SYS_getpid);
	syscall(SYS_gettid);
	syscall(SYS_getuid);
	syscall(SYS_geteuid);
	syscall(SYS_getgid);
	syscall(SYS_getegid);
	syscall(SYS_getsid, 0);
	syscall(SYS_getpgid, 0);
	syscall(SYS_sched_yield);
	syscall(SYS_getpriority, PRIO_PROCESS, 0);
	syscall(SYS_umask, 022);
	syscall(SYS_times, &tm);
	syscall(SYS_sched_getscheduler, 0);
	syscall(SYS_sysinfo, &si);
	syscall(SYS_uname, &un);
	syscall(SYS_getrusage, RUSAGE_SELF, &ru);
	syscall(SYS_getresuid, &a, &b, &c);
	syscall(SYS_getresgid, &a, &b, &c);
	syscall(SYS_personality, 0xffffffff);
	syscall(SYS_sched_getaffinity, 0, sizeof(cpus), &cpus);
	syscall(SYS_getcwd, cwd, sizeof(cwd));
}

static void *exec_main(void *seconds)
{
	execl("/bin/sleep", "sleep", (char *)seconds, (char *)NULL);
	die("execl");
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 4)
		usage();
	/* The leader's comm is the process label; set it before any measured call. */
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0))
		die("prctl");
	if (pipe(pipe_fds))
		die("pipe");

	if (!strcmp(argv[2], "getppid")) {
		long n = atol(argv[3]);

		ready();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (!strcmp(argv[2], "getcpu")) {
		/* A call no other program makes: glibc's sched_getcpu takes the vDSO, not this. */
		long n = atol(argv[3]);
		unsigned int cpu;

		ready();
		for (long i = 0; i < n; i++)
			syscall(SYS_getcpu, &cpu, NULL, NULL);
	} else if (!strcmp(argv[2], "getppid-threads") && argc == 5) {
		long n = atol(argv[3]);
		pthread_t t[64];

		per_thread = atol(argv[4]);
		if (n < 1 || n > 64)
			usage();
		ready();
		for (long i = 0; i < n; i++)
			if (pthread_create(&t[i], NULL, getppid_main, NULL))
				die("pthread_create");
		for (long i = 0; i < n; i++)
			pthread_join(t[i], NULL);
	} else if (!strcmp(argv[2], "names")) {
		long n = atol(argv[3]);
		/* getcpu: a call no other program makes, for a count that shares _other. */
		long nr = argc > 4 && !strcmp(argv[4], "getcpu") ? SYS_getcpu : SYS_getppid;
		unsigned cpu;

		ready();
		for (long i = 0; i < n; i++) {
			pid_t child = fork();

			if (child < 0)
				die("fork");
			if (child == 0) {
				char name[64]; /* the kernel keeps 15 bytes: NAME is short */

				snprintf(name, sizeof(name), "%s_%ld", argv[1], i);
				prctl(PR_SET_NAME, name, 0, 0, 0);
				syscall(nr, &cpu, NULL, NULL);
				_exit(0);
			}
			if (waitpid(child, NULL, 0) < 0)
				die("waitpid");
		}
	} else if (!strcmp(argv[2], "nanosleep") && argc == 5) {
		long k = atol(argv[3]), ms = atol(argv[4]);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
		struct timespec t0, t1;

		ready();
		for (long i = 0; i < k; i++) {
			/* Each call as this thread saw it: the kernel's latency lies within. */
			clock_gettime(CLOCK_MONOTONIC, &t0);
			syscall(SYS_nanosleep, &ts, NULL);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			printf("slept %lld\n", (t1.tv_sec - t0.tv_sec) * 1000000000LL +
			       (t1.tv_nsec - t0.tv_nsec));
		}
	} else if (!strcmp(argv[2], "read")) {
		char buf[64];
		int fd = open(argv[3], O_RDONLY);

		if (fd < 0)
			die("open");
		ready();
		if (read(fd, buf, sizeof(buf)) < 0)
			die("read");
	} else if (!strcmp(argv[2], "block")) {
		ready();
		block(argv[3]);
	} else if (!strcmp(argv[2], "rename") && argc == 5) {
		pthread_t t;

		per_thread = atol(argv[3]);
		pthread_barrier_init(&renamed[0], NULL, 2);
		pthread_barrier_init(&renamed[1], NULL, 2);
		ready();
		if (pthread_create(&t, NULL, rename_main, NULL))
			die("pthread_create");
		pthread_barrier_wait(&renamed[0]);
		if (prctl(PR_SET_NAME, argv[4], 0, 0, 0))
			die("prctl");
		pthread_barrier_wait(&renamed[1]);
		pthread_join(t, NULL);
	} else if (!strcmp(argv[2], "mixed")) {
		long n = atol(argv[3]);

		ready();
		for (long i = 0; i < n; i++)
			mixed_round();
	} else if (!strcmp(argv[2], "exec-thread")) {
		pthread_t t;

		ready();
		if (pthread_create(&t, NULL, exec_main, argv[3]))
			die("pthread_create");
		pause();
	} else if (!strcmp(argv[2], "threads") && argc == 5) {
		long n = atol(argv[3]);
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setstacksize(&attr, 64 * 1024);
		for (long i = 0; i < n; i++) {
			pthread_t t;
			const char *kind = argv[4];

			if (!strcmp(kind, "mixed"))
				kind = i % 2 ? "pipe" : "nanosleep";
			if (pthread_create(&t, &attr, thread_main, (void *)kind))
				die("pthread_create");
		}
		ready();
		pause();
	} else {
		usage();
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}
