#!/usr/bin/env bash
# Whether a per-CPU fast slot would pay on this machine: keeping a call's start in a per-CPU
# slot on enter (no helper call) and spilling it to the thread's storage on sched_switch,
# against task-local storage on both sides as the exporter does (bench/fast_slot.bpf.c).
# Interleaved rounds of a getppid loop, a 1-byte pipe write/read loop, getppid from 2 threads
# and a ping-pong between 2 threads (each read sleeps: calls switched out inside), under
#   none            no tracing
#   storage         start kept in task-local storage on enter and exit
#   storage+switch  the same, and an empty program on sched_switch (what any switch pays)
#   fast            start in the per-CPU slot, spilled by a program on sched_switch
# Then, with kernel.bpf_stats_enabled=1, each program's ns per run under the getppid loop and
# the ping-pong (the sched_switch program's runs: every switch on the host, idle ones included).
# Usage: sudo bench/fast-slot.sh [ROUNDS]   (default 5; about 5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
./scripts/install-deps.sh --bench
. bench/tools.sh
bpf_object bench/fast_slot.bpf.c fast_slot.bpf.o
build_loop_and_attach
describe_machine

log=$(mktemp)
results=$(mktemp)
tracer=""
trap '[ -n "$tracer" ] && kill $tracer 2>/dev/null; sysctl -q kernel.bpf_stats_enabled=0; rm -f "$log" "$log.switches" "$results"' EXIT
attach() { start attached "$out/attach" "$out/fast_slot.bpf.o" "$@"; } # program...

for round in $(seq 1 "$rounds"); do
  for config in none storage storage+switch fast; do
    case $config in
      storage) attach storage_enter storage_exit ;;
      storage+switch) attach storage_enter storage_exit empty_switch ;;
      fast) attach fast_enter fast_exit spill_switch ;;
    esac
    for rep in 1 2 3; do
      echo "$config getppid $("$out/loop" getppid 1000000)" >>"$results"
      echo "$config rw $("$out/loop" rw 300000)" >>"$results"
      echo "$config getppid-2-threads $("$out/loop" getppid2 500000)" >>"$results"
      echo "$config pingpong $("$out/loop" pingpong 50000 2>>"$log.switches")" >>"$results"
    done
    stop
  done
  echo "round $round of $rounds done" >&2
done
echo "pingpong: $(sort "$log.switches" | uniq -c | sort -rn | head -1 | sed 's/^ *[0-9]* //')"
rm -f "$log.switches"

python3 - "$results" <<'EOF'
import statistics, sys
from collections import defaultdict
samples = defaultdict(list)
for line in open(sys.argv[1]):
    config, loop, ns = line.split()
    samples[(loop, config)].append(float(ns))
configs = ["none", "storage", "storage+switch", "fast"]
print(f"\nmedian ns per syscall ({len(samples[('getppid', 'none')])} samples each), ns added over none")
print(f"  {'loop':<18}" + "".join(f"{c:>16}" for c in configs) + f"{'fast - storage':>16}")
for loop in ["getppid", "rw", "getppid-2-threads", "pingpong"]:
    med = {c: statistics.median(samples[(loop, c)]) for c in configs}
    cells = [f"{med['none']:16.1f}"] + [f"{med[c] - med['none']:+16.1f}" for c in configs[1:]]
    print(f"  {loop:<18}" + "".join(cells) + f"{med['fast'] - med['storage']:+16.1f}")
EOF

echo
for programs in "storage_enter storage_exit empty_switch" "fast_enter fast_exit spill_switch"; do
  for loop in "getppid 1000000" "pingpong 50000"; do
    # shellcheck disable=SC2086 # word lists
    attach $programs
    sysctl -q kernel.bpf_stats_enabled=1
    echo "${loop% *} loop, $("$out/loop" $loop 2>/dev/null) ns per call:"
    for p in $programs; do echo "  $p: $(per_run "$p")"; done
    sysctl -q kernel.bpf_stats_enabled=0
    stop
  done
done
