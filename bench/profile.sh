#!/usr/bin/env bash
# Where the hot path's nanoseconds go on this machine, per BPF program and per kernel function,
# for the exporter at its defaults against the timestamp floor (bench/floor.bpf.c's ts_*):
#   1. kernel.bpf_stats_enabled=1, then a getppid loop of 3,000,000 calls: ns per run of each
#      program (run_time_ns / run_cnt; the stats add two clock reads of their own to each run);
#   2. perf record of the same loop, then its functions by share of the samples (the helpers
#      the programs call and what they call in turn, return thunks included);
#   3. the exporter's programs cut after each part of the hot path (HOT_PATH_PARTS: task
#      storage, the slot, the bucket search, then whole), ns per run of each, twice.
# It also prints the CPU and the kernel's mitigations that decide what a call and a return cost.
# bench/run.sh prices the same parts by ns added per syscall; this says where they are spent.
# Usage: sudo bench/profile.sh
set -euo pipefail
export MALLOC_ARENA_MAX=2 # as scripts/run.sh runs the exporter
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --bench
mvn -B -q -pl exporter -am -DskipTests package
. bench/tools.sh
bpf_object bench/floor.bpf.c floor.bpf.o
for parts in 1 2 3; do
  bpf_object bpf/syscall_exporter.bpf.c "parts$parts.bpf.o" -DHOT_PATH_PARTS=$parts
done
bpf_object bpf/syscall_exporter.bpf.c parts4.bpf.o
build_loop_and_attach
describe_machine

log=$(mktemp)
tracer=""
trap '[ -n "$tracer" ] && kill $tracer 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=0; rm -f "$log" "$out"/perf.data*' EXIT
profile() { # label enter exit
  sysctl -q kernel.bpf_stats_enabled=1
  echo "$1: getppid loop, $("$out/loop" getppid 3000000) ns per call"
  echo "  $2: $(per_run "$2")"
  echo "  $3: $(per_run "$3")"
  sysctl -q kernel.bpf_stats_enabled=0
  perf record -q -o "$out/perf.data" -- "$out/loop" getppid 3000000 >/dev/null 2>&1
  echo "  functions by share of the loop's samples (user and kernel):"
  perf report -q -i "$out/perf.data" --sort sym --percent-limit 1 2>/dev/null \
    | sed -e 's/^ */    /' -e '/^ *$/d' | head -30
}

start attached "$out/attach" "$out/floor.bpf.o" ts_enter ts_exit
profile "timestamp floor" ts_enter ts_exit
stop
start 'msg="listening"' java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar \
  --web.listen-address=127.0.0.1:0
profile "exporter" sys_enter sys_exit
stop

echo "the exporter's programs part by part (bpf_stats, getppid loop of 3,000,000 calls):"
names=("" "storage and clock" "+ the slot" "+ the bucket search" "whole (+ the atomic adds)")
for pass in 1 2; do
  for parts in 1 2 3 4; do
    start attached "$out/attach" "$out/parts$parts.bpf.o" sys_enter sys_exit
    sysctl -q kernel.bpf_stats_enabled=1
    "$out/loop" getppid 3000000 >/dev/null
    printf '  pass %d, %-26s' "$pass" "${names[$parts]}:"
    echo " sys_enter $(per_run sys_enter); sys_exit $(per_run sys_exit)"
    sysctl -q kernel.bpf_stats_enabled=0
    stop
  done
done
