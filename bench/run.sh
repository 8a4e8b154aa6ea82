#!/usr/bin/env bash
# Kernel overhead per syscall, side by side in one run: a getppid loop, a 1-byte pipe
# write/read loop, and getppid from 2 threads at once, under
#   none        no tracing
#   floor       empty programs on sys_enter and sys_exit (the cost of attaching at all)
#   timestamps  the floor plus one bpf_ktime_get_ns on each side
#   exporter    syscall_exporter at its default settings
#   bpftrace    bpftrace's per-(pid, syscall) latency histogram
# Configurations are interleaved, ROUNDS times (default 5), each loop 3 times per round; then
# agent mode (standalone, and JVMs joined to a host exporter), the agent's weight in a service
# JVM, the exporter process itself and the JMH benchmarks. ROUNDS=0 runs only the last three.
# Usage: sudo [BENCH_SECTIONS="host agent joined guest process jmh"] bench/run.sh [ROUNDS]
set -euo pipefail
export MALLOC_ARENA_MAX=2 # as scripts/run.sh runs the exporter
cd "$(dirname "$0")/.."
rounds=${1:-5}
./scripts/install-deps.sh --bench
mvn -B -q -DskipTests package
mvn -B -q -pl exporter dependency:copy@jetty-deps # a real server for the guest section

. bench/tools.sh
bpf_object bench/floor.bpf.c floor.bpf.o
# The exporter's own program cut after each part of its hot path (HOT_PATH_PARTS in it).
for parts in 1 2 3; do
  bpf_object bpf/syscall_exporter.bpf.c "parts$parts.bpf.o" -DHOT_PATH_PARTS=$parts
done
build_loop_and_attach
# bpftrace's tracepoint probes need tracefs (the exporter's tp_btf programs do not).
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing

BPFTRACE_PROG='tracepoint:raw_syscalls:sys_enter { @start[tid] = nsecs; }
tracepoint:raw_syscalls:sys_exit /@start[tid]/ {
  @latency[pid, args->id] = hist(nsecs - @start[tid]); delete(@start[tid]); }'

tracer_pid=""
log=$(mktemp)
start_tracer() { # config
  case $1 in
    none) return ;;
    floor) "$out/attach" "$out/floor.bpf.o" empty_enter empty_exit >"$log" 2>&1 & ready=attached ;;
    timestamps) "$out/attach" "$out/floor.bpf.o" ts_enter ts_exit >"$log" 2>&1 & ready=attached ;;
    storage) "$out/attach" "$out/parts1.bpf.o" sys_enter sys_exit >"$log" 2>&1 & ready=attached ;;
    hash) "$out/attach" "$out/parts2.bpf.o" sys_enter sys_exit >"$log" 2>&1 & ready=attached ;;
    bucket) "$out/attach" "$out/parts3.bpf.o" sys_enter sys_exit >"$log" 2>&1 & ready=attached ;;
    exporter) java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar --web.listen-address=127.0.0.1:0 \
      >"$log" 2>&1 & ready='msg="listening"' ;;
    bpftrace) bpftrace -e "$BPFTRACE_PROG" >"$log" 2>&1 & ready=Attaching ;;
  esac
  tracer_pid=$!
  for _ in $(seq 600); do
    grep -q "$ready" "$log" && { sleep 1; return; }
    kill -0 "$tracer_pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "$1 did not start" >&2; exit 1
}
stop_tracer() {
  [[ -n "$tracer_pid" ]] || return 0
  kill -TERM "$tracer_pid" 2>/dev/null || true
  # bpftrace has been seen to sleep on through a TERM: then INT, then KILL (its probes go with
  # its file descriptors), 10 s apart, so that one stuck tracer does not hang the run.
  for sig in INT KILL; do
    for _ in $(seq 100); do kill -0 "$tracer_pid" 2>/dev/null || break 2; sleep 0.1; done
    echo "$tracer_pid did not stop: SIG$sig" >&2; kill -"$sig" "$tracer_pid" 2>/dev/null || true
  done
  wait "$tracer_pid" 2>/dev/null || true; tracer_pid=""
}
# The JVM the agent benchmarks run: compiled once, so no JVM compiles it while others measure.
javac -d "$out" bench/YieldLoop.java
yield_loop=(-cp "$out" YieldLoop)
agent="-javaagent:exporter/target/syscall-exporter.jar=--web.listen-address=127.0.0.1:0"
sock_dir=$(mktemp -d)
sock=$sock_dir/agent.sock
joined="-javaagent:exporter/target/syscall-exporter.jar=--agent.socket=$sock,--agent.name=idle"
trap 'stop_tracer; rm -rf "$log" "$sock_dir"' EXIT

# Sections to run (all by default): BENCH_SECTIONS="joined guest" bench/run.sh 3
sections=${BENCH_SECTIONS:-host agent joined guest process jmh}
want() { [[ " $sections " == *" $1 "* ]]; }

if want host; then
results=$(mktemp)
configs=(none floor timestamps storage hash bucket exporter bpftrace)
for round in $(seq 1 "$rounds"); do
  for config in "${configs[@]}"; do
    start_tracer "$config"
    for rep in 1 2 3; do
      echo "$config getppid $("$out/loop" getppid 1000000)" >>"$results"
      echo "$config rw $("$out/loop" rw 300000)" >>"$results"
      echo "$config getppid-2-threads $("$out/loop" getppid2 500000)" >>"$results"
    done
    stop_tracer
  done
  echo "round $round of $rounds done" >&2
done

describe_machine
(( rounds == 0 )) || python3 bench/report.py <"$results"
rm -f "$results"
fi

if want agent; then
# Agent mode: the JVM the agent runs in pays for its own calls (a Java Thread.yield loop, one
# sched_yield each, with and without the agent); every other process only the pid compare at
# the top of the programs (getppid beside a JVM with the agent, against no tracing).
agent_results=$(mktemp)
for round in $(seq 1 "$rounds"); do
  echo "jvm-none $(java "${yield_loop[@]}" 2000000)" >>"$agent_results"
  echo "jvm-agent $(java "$agent" "${yield_loop[@]}" 2000000 agent 2>/dev/null)" >>"$agent_results"
  echo "other-none $("$out/loop" getppid 1000000)" >>"$agent_results"
  java "$agent" "${yield_loop[@]}" 0 agent >"$log" 2>&1 & tracer_pid=$!
  for _ in $(seq 600); do grep -q "agent ready" "$log" && break; sleep 0.1; done
  grep -q "agent ready" "$log" || { cat "$log" >&2; exit 1; }
  echo "other-agent $("$out/loop" getppid 1000000)" >>"$agent_results"
  stop_tracer
done
if (( rounds > 0 )); then
  echo "agent mode, median ns per call:"
  for c in jvm-none jvm-agent other-none other-agent; do
    printf '  %-12s %s\n' "$c" "$(awk -v c="$c" '$1 == c {print $2}' "$agent_results" | sort -n \
      | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
  done
fi
rm -f "$agent_results"
fi

# Joined JVMs: one host exporter with an agent socket, then 1 and 8 idle JVMs joined to it, and
# 8 idle JVMs without the agent (what idle JVMs take from 2 CPUs anyway). A C getppid loop
# outside them should pay the same whatever joins; a joined JVM's own Thread.yield loop pays for
# keying by pool, against the same JVM under the host exporter without joining.
if want joined; then
joined_results=$(mktemp)
idle_jvms=()
agents_joined() { curl -s "$1" | awk '$1 == "syscall_exporter_agents_joined" {print $2 + 0}'; }
await_joined() { # url n
  for _ in $(seq 600); do [[ "$(agents_joined "$1")" == "$2" ]] && return; sleep 0.1; done
  echo "$2 JVMs did not join" >&2; exit 1
}
for round in $(seq 1 "$rounds"); do
  java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar \
    --web.listen-address=127.0.0.1:0 --agent.socket="$sock" >"$log" 2>&1 &
  tracer_pid=$!
  until grep -q 'msg="listening"' "$log"; do sleep 0.1; done
  url="http://$(sed -n 's/.*msg="listening" address=\([^ ]*\).*/\1/p' "$log")/metrics"
  sleep 1
  echo "other-joined-0 $("$out/loop" getppid 1000000)" >>"$joined_results"
  for n in 1 8; do
    while (( ${#idle_jvms[@]} < n )); do
      java "$joined" "${yield_loop[@]}" 0 joined >/dev/null 2>&1 & idle_jvms+=($!)
    done
    await_joined "$url" "$n"
    sleep 20 # past the new JVMs' start-up and JIT warm-up: idle means idle
    echo "other-joined-$n $("$out/loop" getppid 1000000)" >>"$joined_results"
  done
  kill "${idle_jvms[@]}"; wait "${idle_jvms[@]}" 2>/dev/null || true; idle_jvms=()
  # The control: as many idle JVMs without the agent, for what idle JVMs cost the CPUs anyway.
  while (( ${#idle_jvms[@]} < 8 )); do
    java "${yield_loop[@]}" 0 >/dev/null 2>&1 & idle_jvms+=($!)
  done
  sleep 20
  echo "other-plain-8 $("$out/loop" getppid 1000000)" >>"$joined_results"
  kill "${idle_jvms[@]}"; wait "${idle_jvms[@]}" 2>/dev/null || true; idle_jvms=()
  echo "jvm-host $(java "${yield_loop[@]}" 2000000)" >>"$joined_results"
  echo "jvm-joined $(java "$joined" "${yield_loop[@]}" 2000000 joined 2>/dev/null)" \
    >>"$joined_results"
  stop_tracer
done
if (( rounds > 0 )); then
  echo "joined JVMs, median ns per call:"
  for c in other-joined-0 other-joined-1 other-joined-8 other-plain-8 jvm-host jvm-joined; do
    printf '  %-15s %s\n' "$c" "$(awk -v c="$c" '$1 == c {print $2}' "$joined_results" | sort -n \
      | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')"
  done
fi
rm -f "$joined_results"
fi

if want guest; then
# The agent as a guest: what it adds to a real server, a Jetty 12 file server
# (exporter/src/test/resources/jetty/FileServer.java) after 10 s of wrk, joined or standalone:
# resident memory, live heap after a full GC (the JDK's default GC), threads. And the same
# in an idle JVM (bench/YieldLoop.java), with no server's own weight around it.
jetty_port=18549
guest() { # label agent-option wait-mode [server]
  if [[ -n "${4:-}" ]]; then
    # Its stdin a FIFO held open here: the server runs until it is killed.
    java ${2:+"$2"} -cp "exporter/target/jetty-deps/*" \
      exporter/src/test/resources/jetty/FileServer.java "$out" "$jetty_port" <&9 >"$log" 2>&1 &
  else
    java ${2:+"$2"} "${yield_loop[@]}" 0 ${3:+"$3"} >"$log" 2>&1 &
  fi
  local pid=$!
  [[ -z "${4:-}" ]] || until grep -q "jetty ready" "$log"; do sleep 0.1; done
  case "$3" in
    agent) for _ in $(seq 600); do grep -q "agent started\|agent ready" "$log" && break; sleep 0.1; done ;;
    joined) for _ in $(seq 600); do grep -q "joined the host exporter\|agent ready" "$log" && break; sleep 0.1; done ;;
  esac
  sleep 2
  [[ -z "${4:-}" ]] || wrk -t2 -c8 -d10s "http://127.0.0.1:$jetty_port/loop.c" >/dev/null
  sleep 3
  # What a full GC leaves: the class histogram runs one and counts the live objects. (A
  # GC.run and a GC.heap_info a second later also count what the JVM allocated meanwhile.)
  local heap rss threads
  heap=$(jcmd "$pid" GC.class_histogram | awk '$1 == "Total" {print $3}')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  printf '  %-12s RSS %6.1f MiB  live heap after a full GC %5.2f MiB  threads %d\n' "$1" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$heap / 1048576" | bc -l)" "$threads"
}
cp bench/loop.c "$out/loop.c" # the file the server serves
mkfifo "$sock_dir/stdin"
exec 9<>"$sock_dir/stdin"
java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar \
  --web.listen-address=127.0.0.1:0 --agent.socket="$sock" >"$sock_dir/exporter.log" 2>&1 &
tracer_pid=$!
until grep -q 'msg="listening"' "$sock_dir/exporter.log"; do sleep 0.1; done
echo "the agent inside a Jetty 12 file server, after 10 s of wrk:"
guest "no agent" "" "" jetty
guest "joined" "$joined" joined jetty
guest "standalone" "$agent" agent jetty
echo "the agent inside an idle service JVM:"
guest "no agent" "" ""
guest "joined" "$joined" joined
guest "standalone" "$agent" agent
stop_tracer
fi

if want process; then
# The exporter process itself, at default settings: CPU at rest and under a syscall storm,
# resident memory, and the real scrape of 5,000 label sets, gzip-compressed as Prometheus asks
# for it (kernel map read included).
java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar --web.listen-address=127.0.0.1:0 >"$log" 2>&1 &
tracer_pid=$!
until grep -q 'msg="listening"' "$log"; do sleep 0.1; done
url="http://$(sed -n 's/.*msg="listening" address=\([^ ]*\).*/\1/p' "$log")/metrics"
cpu_ticks() { awk '{print $14 + $15}' "/proc/$tracer_pid/stat"; }
hz=$(getconf CLK_TCK)
sleep 20 # past the JIT's warm-up: at rest means steady
t0=$(cpu_ticks); sleep 40; t1=$(cpu_ticks)
echo
echo "exporter CPU at rest: $(echo "($t1 - $t0) * 100 / $hz / 40" | bc -l | xargs printf '%.2f')% of one core"
t0=$(cpu_ticks); start=$(date +%s.%N)
ns=$("$out/loop" getppid 20000000)
t1=$(cpu_ticks); secs=$(echo "$(date +%s.%N) - $start" | bc -l)
echo "exporter CPU under $(echo "1000 / $ns" | bc -l | xargs printf '%.2f')M syscalls/s:" \
  "$(echo "($t1 - $t0) * 100 / $hz / $secs" | bc -l | xargs printf '%.2f')% of one core"
"$out/loop" names 2500 >/dev/null
sets=$(curl -s "$url" | grep -c '^syscall_duration_seconds_count')
for _ in $(seq 20); do curl -s --compressed -o /dev/null -w '%{time_total}\n' "$url"; done | sort -n \
  | awk -v sets="$sets" '{t[NR] = $1} END {printf "scrape of %d label sets: median %.1f ms, max %.1f ms\n", sets, t[int((NR + 1) / 2)] * 1000, t[NR] * 1000}'
echo "exporter RSS: $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$tracer_pid/status")"
metric() { curl -s "$url" | awk -v m="$1" '$1 == m {print $2 + 0}'; }
echo "last in-flight scan: $(metric syscall_exporter_scan_duration_seconds | awk '{printf "%.1f ms", $1 * 1000}')" \
  "with $(metric 'syscall_exporter_map_entries{map="inflight"}') threads in a syscall"
echo "last drain: $(metric syscall_exporter_drain_duration_seconds | awk '{printf "%.1f ms", $1 * 1000}')"
stop_tracer

fi
if want jmh; then
echo
echo "user-space work on in-memory kernel data (JMH):"
java -jar bench/jmh/target/benchmarks.jar -wi 2 -i 3 -f 1 2>/dev/null | sed -n '/^Benchmark/,$p'
fi
