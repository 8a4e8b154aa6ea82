// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A hostile client of the exporter's agent socket, for AgentSocketAttackIT: it speaks the
 * protocol (frames of a 4-byte big-endian length, a type byte and a payload) the way an
 * attacker on the host would, from as many processes as it likes.
 *
 *   agentclient SOCKET join NAME SECONDS         join, read what comes for SECONDS
 *   agentclient SOCKET fork-keep NAME SECONDS    join, leave the socket to a child, exit
 *   agentclient SOCKET exec NAME                 join, then exec sleep with the socket open
 *   agentclient SOCKET drip N SECONDS            N connections, a byte of HELLO every 4 s
 *   agentclient SOCKET flood-names N SECONDS     N processes join as "flood-I" and send the
 *                                                largest THREADS and POOLS frames, again and
 *                                                again, with names never seen before
 *   agentclient SOCKET flood-frames NAME SECONDS join, then small THREADS frames nonstop
 *   agentclient SOCKET mute NAME SECONDS         join, then read nothing: writes to it block
 *   agentclient SOCKET spy NAME SECONDS          join, print each METRICS frame it is sent
 *   agentclient SOCKET elsewhere NAME SECONDS    join, say its series are served elsewhere
 *                                                (ELSEWHERE "1"), then read for SECONDS
 *   agentclient SOCKET context NAME COOKIE FILE SECONDS
 *                                                join, give COOKIE (hex) in a CONTEXT frame,
 *                                                register a trace context record with it,
 *                                                read a byte of FILE, then read for SECONDS
 *   agentclient SOCKET forge COOKIE FILE [NAME]  register a record with another's COOKIE
 *                                                (joined as NAME first, if given), read a
 *                                                byte of FILE
 *   agentclient SOCKET stuck NAME FILE IDS SECONDS [OTHER_TID]
 *                                                join; a thread "rd-NAME" reads FILE (stuck
 *                                                on a hung one) and prints "reader TID"; each
 *                                                STACK_REQUEST is answered with IDS ("trace
 *                                                span flags", as a JVM sends its record's;
 *                                                "" for none) after the tid, first for
 *                                                OTHER_TID, unasked, if given; prints "closed"
 *                                                if the exporter closes the connection
 *
 * The record registered holds trace id deadbeef... and span id feedface..., sampled; a
 * registration is a pwrite64 of it to /dev/null at the cookie as offset, as the agent's.
 * Both print "read done PID" after the read.
 * Each joining process prints "joined PID" or "refused PID: WHY" on stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
	HELLO = 1, POOLS = 2, STACK_REQUEST = 3, STACK = 4, WELCOME = 5, REFUSED = 6, METRICS = 7,
	THREADS = 8, ELSEWHERE = 9, CONTEXT = 10,
};
/* The exporter's limits (Frames.java): the largest frame, its lines, a name. */
#define MAX_FRAME (64 * 1024)
#define NAME_LEN 200

static const char *socket_path;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static int connect_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0); /* no SOCK_CLOEXEC: exec keeps it */

	if (fd < 0)
		die("socket");
	strncpy(addr.sun_path, socket_path, sizeof(addr.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int send_frame(int fd, int type, const char *payload, size_t len)
{
	uint32_t be = htonl((uint32_t)len + 1);
	unsigned char t = type;

	if (write_all(fd, &be, 4) || write_all(fd, &t, 1))
		return -1;
	return write_all(fd, payload, len);
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* Says HELLO as NAME; 0 when welcomed. Prints the outcome. */
static int join(int fd, const char *name)
{
	unsigned char head[5];
	char why[512] = "";

	if (send_frame(fd, HELLO, name, strlen(name)) || read_all(fd, head, 5)) {
		printf("refused %d: connection closed\n", getpid());
		fflush(stdout);
		return -1;
	}
	uint32_t len = ntohl(*(uint32_t *)head) - 1;
	if (len < sizeof(why))
		read_all(fd, why, len); /* WELCOME's payload too: the stream stays in step */
	if (head[4] == WELCOME) {
		printf("joined %d\n", getpid());
		fflush(stdout);
		return 0;
	}
	printf("refused %d: %s\n", getpid(), why);
	fflush(stdout);
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads and drops what the exporter sends, for SECONDS. */
static void drain_for(int fd, double seconds)
{
	char buf[4096];
	double end = now() + seconds;

	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (now() < end)
		if (read(fd, buf, sizeof(buf)) == 0)
			return;
}

/* A frame of LINES lines "FIRST TAB NAME", each name new (SEED makes them unique). */
static size_t names_frame(char *buf, int lines, int numeric_first, long seed)
{
	size_t at = 0;

	for (int i = 0; i < lines && at + NAME_LEN + 32 < MAX_FRAME - 1; i++) {
		size_t start;

		if (numeric_first)
			at += sprintf(buf + at, "%d\t", i + 1);
		else
			at += sprintf(buf + at, "k%ld-%d\t", seed, i);
		start = at;
		at += sprintf(buf + at, "n%ld-%d-", seed, i);
		while (at - start < NAME_LEN)
			buf[at++] = 'x';
		buf[at++] = '\n';
	}
	return at;
}

/*
 * Reads the next frame before END into PAYLOAD (CAP bytes; NUL-terminated): its type; 0 at
 * END; -1 when the connection is closed or the frame is larger than CAP.
 */
static int next_frame(int fd, char *payload, size_t cap, double end)
{
	unsigned char head[5];
	struct timeval poll = { .tv_sec = 0, .tv_usec = 200000 }, whole = { .tv_sec = 5 };

	while (now() < end) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &poll, sizeof(poll));
		if (read_all(fd, head, 5)) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				continue; /* nothing yet (a frame begun is read whole below) */
			return -1;
		}
		uint32_t len = ntohl(*(uint32_t *)head) - 1;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &whole, sizeof(whole));
		if (len >= cap || read_all(fd, payload, len))
			return -1;
		payload[len] = 0;
		return head[4];
	}
	return 0;
}

/* Prints the payload of each METRICS frame that comes within SECONDS, as "metrics LINE". */
static void spy(int fd, double seconds)
{
	static char payload[1 << 20];
	double end = now() + seconds;
	int type;

	while ((type = next_frame(fd, payload, sizeof(payload), end)) > 0) {
		if (type != METRICS)
			continue;
		printf("metrics frame %zu bytes\n", strlen(payload));
		for (char *line = strtok(payload, "\n"); line; line = strtok(NULL, "\n"))
			printf("metrics %s\n", line);
		fflush(stdout);
	}
}

static void flood_names(int index, double seconds)
{
	static char buf[MAX_FRAME];
	char name[32];
	int fd = connect_socket();
	double end = now() + seconds;
	long seed = (long)getpid() << 20;

	snprintf(name, sizeof(name), "flood-%d", index);
	if (join(fd, name))
		exit(0);
	while (now() < end) {
		size_t len = names_frame(buf, 4096, 1, seed++);

		if (send_frame(fd, THREADS, buf, len))
			break;
		len = names_frame(buf, 1024, 0, seed++);
		if (send_frame(fd, POOLS, buf, len))
			break;
		drain_for(fd, 0.05);
	}
	exit(0);
}

/* Registers a trace context record (struct trace_context) with COOKIE, then reads FILE. */
static void register_and_read(const char *cookie_hex, const char *file)
{
	static unsigned char record[26];
	char byte;
	int null = open("/dev/null", O_WRONLY), fd;

	for (int i = 0; i < 16; i++)
		record[i] = (const unsigned char[]){ 0xde, 0xad, 0xbe, 0xef }[i % 4];
	for (int i = 0; i < 8; i++)
		record[16 + i] = (const unsigned char[]){ 0xfe, 0xed, 0xfa, 0xce }[i % 4];
	record[24] = 1; /* valid */
	record[25] = 1; /* sampled */
	if (null < 0 || pwrite(null, record, sizeof(record), (off_t)strtoull(cookie_hex, NULL, 16)) < 0)
		die("pwrite");
	fd = open(file, O_RDONLY);
	if (fd < 0 || read(fd, &byte, 1) < 0)
		die("read");
	printf("read done %d\n", getpid());
	fflush(stdout);
}

static const char *stuck_file;

static void *read_stuck(void *unused)
{
	char byte;
	int fd = open(stuck_file, O_RDONLY);

	printf("reader %ld\n", (long)gettid());
	fflush(stdout);
	if (fd < 0 || read(fd, &byte, 1) < 0)
		die("read");
	return unused;
}

/* Answers each STACK_REQUEST ("tid comm") with IDS after the tid, first for OTHER_TID. */
static void answer_stacks(int fd, const char *ids, const char *other_tid, double seconds)
{
	static char payload[1 << 20];
	char answer[600];
	const char *sep = *ids ? " " : "";
	double end = now() + seconds;
	int type;

	while ((type = next_frame(fd, payload, sizeof(payload), end)) > 0) {
		if (type != STACK_REQUEST)
			continue;
		char *rest = NULL, *tid = strtok_r(payload, " ", &rest);
		int n;

		if (other_tid) {
			n = snprintf(answer, sizeof(answer), "%s%s%s\nforged", other_tid, sep, ids);
			send_frame(fd, STACK, answer, n);
		}
		n = snprintf(answer, sizeof(answer), "%s%s%s\n%s", tid, sep, ids, rest ? rest : "");
		if (send_frame(fd, STACK, answer, n) == 0)
			printf("answered %s\n", tid);
		fflush(stdout);
	}
	if (type < 0) {
		printf("closed\n");
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: agentclient SOCKET MODE ARGS (see the source)\n");
		return 2;
	}
	socket_path = argv[1];
	const char *mode = argv[2];

	signal(SIGPIPE, SIG_IGN);
	if (!strcmp(mode, "join") && argc == 5) {
		int fd = connect_socket();

		if (!join(fd, argv[3]))
			drain_for(fd, atof(argv[4]));
	} else if (!strcmp(mode, "fork-keep") && argc == 5) {
		int fd = connect_socket();

		if (join(fd, argv[3]))
			return 1;
		pid_t child = fork();

		if (child == 0) {
			drain_for(fd, atof(argv[4]));
			_exit(0);
		}
		printf("child %d\n", child);
		fflush(stdout);
		return 0; /* the parent, which joined, exits; its child keeps the socket */
	} else if (!strcmp(mode, "exec") && argc == 4) {
		int fd = connect_socket();

		if (join(fd, argv[3]))
			return 1;
		execlp("sleep", "sleep", "30", (char *)NULL); /* the socket stays open in it */
		die("exec");
	} else if (!strcmp(mode, "drip") && argc == 5) {
		int n = atoi(argv[3]), fds[1024];
		double end = now() + atof(argv[4]);
		const char hello[] = { 0, 0, 0, 8, HELLO, 'd', 'r', 'i', 'p', 'p', 'e', 'r' };

		if (n > 1024)
			n = 1024;
		for (int i = 0; i < n; i++)
			fds[i] = connect_socket();
		for (int at = 0; now() < end; at = (at + 1) % (int)sizeof(hello)) {
			int open = 0;

			for (int i = 0; i < n; i++)
				if (fds[i] >= 0 && write_all(fds[i], hello + at, 1) == 0)
					open++;
			printf("open %d\n", open);
			fflush(stdout);
			sleep(4);
		}
	} else if (!strcmp(mode, "flood-names") && argc == 5) {
		int n = atoi(argv[3]);

		for (int i = 0; i < n; i++)
			if (fork() == 0)
				flood_names(i, atof(argv[4]));
		while (wait(NULL) > 0)
			;
	} else if (!strcmp(mode, "flood-frames") && argc == 5) {
		char buf[64];
		int fd = connect_socket(), sent = 0;
		double end = now() + atof(argv[4]);

		if (join(fd, argv[3]))
			return 1;
		while (now() < end) {
			int len = sprintf(buf, "%d\tflood-thread-%d", 1 + sent % 1000, sent % 1000);

			if (send_frame(fd, THREADS, buf, len))
				break;
			sent++;
		}
		printf("sent %d\n", sent);
	} else if (!strcmp(mode, "spy") && argc == 5) {
		int fd = connect_socket();

		if (!join(fd, argv[3]))
			spy(fd, atof(argv[4]));
	} else if (!strcmp(mode, "elsewhere") && argc == 5) {
		int fd = connect_socket();

		if (join(fd, argv[3]))
			return 1;
		if (send_frame(fd, ELSEWHERE, "1", 1))
			die("send");
		drain_for(fd, atof(argv[4]));
	} else if (!strcmp(mode, "context") && argc == 7) {
		int fd = connect_socket();

		if (join(fd, argv[3]))
			return 1;
		if (send_frame(fd, CONTEXT, argv[4], strlen(argv[4])))
			die("send");
		usleep(200 * 1000); /* the exporter has read it */
		register_and_read(argv[4], argv[5]);
		drain_for(fd, atof(argv[6]));
	} else if (!strcmp(mode, "forge") && (argc == 5 || argc == 6)) {
		if (argc == 6 && join(connect_socket(), argv[5]))
			return 1;
		register_and_read(argv[3], argv[4]);
	} else if (!strcmp(mode, "stuck") && (argc == 7 || argc == 8)) {
		int fd = connect_socket();
		char comm[16];
		pthread_t reader;

		if (join(fd, argv[3]))
			return 1;
		stuck_file = argv[4];
		snprintf(comm, sizeof(comm), "rd-%s", argv[3]);
		if (pthread_create(&reader, NULL, read_stuck, NULL))
			die("pthread_create");
		pthread_setname_np(reader, comm);
		answer_stacks(fd, argv[5], argc == 8 ? argv[7] : NULL, atof(argv[6]));
		_exit(0); /* the reader stays stuck: no join */
	} else if (!strcmp(mode, "mute") && argc == 5) {
		int fd = connect_socket();
		int small = 4096;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
		if (join(fd, argv[3]))
			return 1;
		sleep(atoi(argv[4]));
	} else {
		fprintf(stderr, "agentclient: unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
