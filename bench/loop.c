// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The measured workload: prints the mean ns per syscall of a tight loop.
 *
 *   loop getppid N     N getppid calls
 *   loop rw N          N iterations of a 1-byte write and a 1-byte read on a pipe (2N calls)
 *   loop getppid2 N    2 threads of N getppid calls each, at once: the same (process,
 *                      syscall) histogram from two CPUs (wall time per call per thread)
 *   loop names N       takes N process names in turn, one getppid under each: 2N label
 *                      sets (prctl and getppid) for the scrape benchmark
 *   loop pingpong N    2 threads pass a byte back and forth N times over two pipes (4N
 *                      calls): each read sleeps until the other thread writes, so calls are
 *                      switched out inside; prints the context switches per call on stderr
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long per_thread;
static int ping[2], pong[2];

/* The far side of pingpong: a byte back for each byte. */
static void *pong_loop(void *unused)
{
	char c;

	for (long i = 0; i < per_thread; i++)
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			exit(1);
	return NULL;
}

static long switches(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw + ru.ru_nivcsw;
}

static void *getppid_loop(void *unused)
{
	for (long i = 0; i < per_thread; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	long n = atol(argv[2]), calls;
	double start;

	if (!strcmp(argv[1], "getppid")) {
		start = now_ns();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		calls = n;
	} else if (!strcmp(argv[1], "rw")) {
		int fds[2];
		char c = 'x';

		if (pipe(fds))
			return 1;
		start = now_ns();
		for (long i = 0; i < n; i++) {
			if (write(fds[1], &c, 1) != 1 || read(fds[0], &c, 1) != 1)
				return 1;
		}
		calls = 2 * n;
	} else if (!strcmp(argv[1], "getppid2")) {
		pthread_t t[2];

		per_thread = n;
		start = now_ns();
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, getppid_loop, NULL);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		calls = n;
	} else if (!strcmp(argv[1], "names")) {
		char name[16];

		start = now_ns();
		for (long i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "bench_%u", (unsigned int)(i % 1000000));
			prctl(PR_SET_NAME, name, 0, 0, 0);
			syscall(SYS_getppid);
		}
		calls = 2 * n;
	} else if (!strcmp(argv[1], "pingpong")) {
		pthread_t t;
		char c = 'x';
		long before;

		if (pipe(ping) || pipe(pong))
			return 1;
		per_thread = n;
		pthread_create(&t, NULL, pong_loop, NULL);
		before = switches();
		start = now_ns();
		for (long i = 0; i < n; i++)
			if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
				return 1;
		pthread_join(t, NULL);
		calls = 4 * n;
		fprintf(stderr, "%.2f context switches per call\n",
			(double)(switches() - before) / calls);
	} else {
		return 2;
	}
	printf("%.1f\n", (now_ns() - start) / calls);
	return 0;
}
