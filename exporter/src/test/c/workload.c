// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Makes a known number of syscalls of known duration, under a process name
 * chosen by the test, so the test can check the exporter's exact numbers.
 *
 *   workload NAME getppid N          N getppid calls
 *   workload NAME nanosleep K MS     K nanosleep calls of MS milliseconds each
 *
 * Raw syscall(2) throughout: glibc's nanosleep() is clock_nanosleep.
 * Prints "ready" once named, before the measured calls, and "done" at the end.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: workload NAME getppid N | NAME nanosleep K MS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc < 4)
		usage();
	/* The leader's comm is the process label; set it before any measured call. */
	if (prctl(PR_SET_NAME, argv[1], 0, 0, 0)) {
		perror("prctl");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	if (!strcmp(argv[2], "getppid")) {
		long n = atol(argv[3]);

		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
	} else if (!strcmp(argv[2], "nanosleep") && argc == 5) {
		long k = atol(argv[3]), ms = atol(argv[4]);
		struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

		for (long i = 0; i < k; i++)
			syscall(SYS_nanosleep, &ts, NULL);
	} else {
		usage();
	}
	printf("done\n");
	fflush(stdout);
	return 0;
}
