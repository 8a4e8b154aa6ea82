#!/bin/busybox sh
# /init of the kernel matrix's guest (see kernel-matrix.sh): runs the real exporter jar on the
# booted kernel in each configuration and prints one "matrix: KERNEL CHECK ok|FAIL ..." line per
# check, then "matrix: KERNEL done" and powers off.
/bin/busybox --install -s /bin
# The x86_64 guest keeps its libraries in /lib; the arm64 one as Debian's packages put them.
export PATH=/jre/bin:/bin JAVA_HOME=/jre
export LD_LIBRARY_PATH=/lib:/lib/aarch64-linux-gnu:/usr/lib/aarch64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
[ -f /lib/fuse.ko ] && insmod /lib/fuse.ko
KERNEL=$(uname -r)
PORT=9548

say() { echo "matrix: $KERNEL $*"; }
check() { # CHECK COMMAND...: ok when the command succeeds
	local what=$1
	shift
	if "$@"; then say "$what ok"; else say "$what FAIL"; FAILED=1; diagnose; fi
}
# For the console when a check fails: what the exporter, the JVM and the kernel said.
diagnose() {
	echo "--- exporter log"; tail -15 /tmp/exporter.log
	grep -h -A3 'Problematic frame\|SIGSEGV\|SIGILL' /hs_err_pid*.log 2>/dev/null | head -12
	echo "--- mounts"; grep -E 'fuse|hang' /proc/mounts
	echo "--- kernel"; dmesg | tail -8
	echo "---"
}
# The summed value of a metric's samples whose labels contain every given label="value".
value() {
	local port=$1 metric=$2 label
	shift 2
	wget -q -O- "http://127.0.0.1:$port/metrics" >/tmp/scrape 2>/dev/null || return
	grep "^$metric{" /tmp/scrape >/tmp/samples
	for label in "$@"; do grep -F "$label" /tmp/samples >/tmp/kept; mv /tmp/kept /tmp/samples; done
	awk '{ n += $NF } END { printf "%d", n }' /tmp/samples
}
await() { # SECONDS COMMAND...: until the command succeeds
	# Three times SECONDS: the guest may share the host with the integration tests, at the
	# lowest priority, and a deadline is only to end a run that has failed.
	local deadline=$(($(date +%s) + 3 * $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 1
	done
}
healthy() { wget -q -O- "http://127.0.0.1:$1/-/healthy"; }
equals() { [ "$(value "$@" 2>/dev/null)" = "$EXPECT" ]; }

head -c 65536 /dev/zero >/data
mkdir -p /mnt/hang

# The host exporter, in each labelling configuration.
for config in host:"" pid:--labels.pid cgroup:--labels.cgroup; do
	name=${config%%:*}
	flags=${config#*:}
	if [ "$name" = host ]; then # a read hung before the exporter starts
		/hangfs 3600 /mnt/hang 2>/dev/null &
		hangfs=$!
		await 30 test -f /mnt/hang/slow
		/workload mxpre read /mnt/hang/slow >/dev/null 2>&1 &
		reader=$!
		sleep 3
	fi
	java @/jvm.options -jar /syscall-exporter.jar --web.listen-address=127.0.0.1:$PORT \
		--syscall.timeout=2s --scan.interval=500ms $flags >/tmp/exporter.log 2>&1 &
	exporter=$!
	if ! await 300 healthy $PORT; then
		say "$name start FAIL"
		diagnose
		FAILED=1
		kill $exporter 2>/dev/null
		wait $exporter
		continue
	fi
	say "$name start ok"
	if [ "$name" = host ]; then
		EXPECT=1
		check "pre-start-read-timed-out" await 30 equals $PORT syscall_timed_out \
			'process="mxpre"' 'syscall="read"'
		check "pre-start-age-at-least" sh -c "wget -q -O- http://127.0.0.1:$PORT/api/v1/timed-out \
			| grep -qF '\"age_is_lower_bound\":true'"
		kill -9 $hangfs
		umount -l /mnt/hang
		kill $reader 2>/dev/null
		wait $reader $hangfs 2>/dev/null
		# A sleep stopped and continued resumes as restart_syscall: still a wait.
		/workload mxstop block nanosleep >/dev/null &
		sleeper=$!
		sleep 1
		kill -STOP $sleeper
		sleep 1
		kill -CONT $sleeper
		sleep 4
		EXPECT=0
		check "stopped-continued-not-timed-out" equals $PORT syscall_timed_out 'process="mxstop"'
		kill $sleeper
		wait $sleeper 2>/dev/null
	fi
	/workload "mx_$name" getppid 10000 >/dev/null
	EXPECT=10000
	check "$name getppid-10000" equals $PORT syscall_duration_seconds_count \
		"process=\"mx_$name\"" 'syscall="getppid"'

	/hangfs 3600 /mnt/hang 2>/dev/null &
	hangfs=$!
	await 30 test -f /mnt/hang/slow
	/workload "mxhang_$name" read /mnt/hang/slow >/dev/null 2>&1 &
	reader=$!
	EXPECT=1
	check "$name blocked-read-timed-out" await 60 equals $PORT syscall_timed_out \
		"process=\"mxhang_$name\"" 'syscall="read"'
	check "$name blocked-read-file-named" await 30 sh -c \
		"wget -q -O- http://127.0.0.1:$PORT/api/v1/timed-out | grep -qF '\"file\":\"/mnt/hang/slow\"'"
	kill -9 $hangfs
	umount -l /mnt/hang
	kill $reader 2>/dev/null
	wait $reader $hangfs 2>/dev/null

	kill -TERM $exporter
	wait $exporter
	check "$name detached-exit-0" [ $? -eq 0 ]
done

# Agent mode: a Java service measured by Java thread pool.
mkfifo /tmp/service.in
java -javaagent:/syscall-exporter.jar=--web.listen-address=127.0.0.1:$PORT \
	-cp "/service:/service-deps/*" IoService </tmp/service.in >/tmp/service.out 2>&1 &
service=$!
exec 3>/tmp/service.in
if await 300 healthy $PORT; then
	say "agent start ok"
	echo "io 4 1000 /data" >&3
	await 120 grep -q "io done" /tmp/service.out
	EXPECT=4000
	# Awaited: a new thread's calls are held until its pool is known (at most about a second).
	check "agent read-4x1000" await 10 equals $PORT syscall_duration_seconds_count \
		'process="java"' 'syscall="read"' 'thread="io-worker-*"'
else
	say "agent start FAIL"
	tail -15 /tmp/service.out
	FAILED=1
fi
echo exit >&3
exec 3>&-
wait $service

say "done ${FAILED:+FAIL}"
poweroff -f
