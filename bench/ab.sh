#!/usr/bin/env bash
# An interleaved A/B of two builds of the exporter on the hot path: ns per call of the getppid,
# 1-byte pipe and 2-thread getppid loops under jar A, jar B and no tracing, ROUNDS times
# (default 6; A goes first in odd rounds, B in even ones), each loop 3 times per round. What run.sh cannot tell apart from this VM's
# run-to-run noise, the same run can.
# Usage: sudo bench/ab.sh A.jar B.jar [ROUNDS]
#   e.g. git worktree add /tmp/base main && (cd /tmp/base && mvn -q -DskipTests package)
#        sudo bench/ab.sh /tmp/base/exporter/target/syscall-exporter.jar \
#          exporter/target/syscall-exporter.jar
set -euo pipefail
[[ $# -ge 2 ]] || { sed -n '2,9p' "$0" >&2; exit 2; }
jar_a=$(realpath "$1")
jar_b=$(realpath "$2")
rounds=${3:-6}
export MALLOC_ARENA_MAX=2 # as scripts/run.sh runs the exporter
cd "$(dirname "$0")/.."
out=bench/build
mkdir -p "$out"
gcc -O2 -Wall -o "$out/loop" bench/loop.c -lpthread

results=$(mktemp)
log=$(mktemp)
pid=""
trap '[[ -z "$pid" ]] || kill "$pid" 2>/dev/null; rm -f "$results" "$log"' EXIT
for round in $(seq 1 "$rounds"); do
  order="A B none"
  (( round % 2 )) || order="B A none"
  for config in $order; do
    pid=""
    if [[ $config != none ]]; then
      jar=$jar_a
      [[ $config == B ]] && jar=$jar_b
      java @scripts/jvm.options -jar "$jar" --web.listen-address=127.0.0.1:0 --agent.socket= \
        >"$log" 2>&1 &
      pid=$!
      until grep -q 'msg="listening"' "$log"; do
        kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
        sleep 0.1
      done
      sleep 1
    fi
    for rep in 1 2 3; do
      echo "$config getppid $("$out/loop" getppid 1000000)" >>"$results"
      echo "$config rw $("$out/loop" rw 300000)" >>"$results"
      echo "$config getppid-2-threads $("$out/loop" getppid2 500000)" >>"$results"
    done
    if [[ -n $pid ]]; then
      kill -TERM "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  echo "round $round of $rounds done" >&2
done
pid=""

echo "A: $jar_a"
echo "B: $jar_b"
echo "median ns per call ($rounds rounds x 3), and added to no tracing:"
printf '  %-18s %10s %10s %10s %10s %10s\n' loop none A B "A added" "B added"
for loop in getppid rw getppid-2-threads; do
  median() {
    awk -v c="$1" -v l="$loop" '$1 == c && $2 == l {print $3}' "$results" | sort -n \
      | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'
  }
  none=$(median none)
  a=$(median A)
  b=$(median B)
  printf '  %-18s %10.1f %10.1f %10.1f %+10.1f %+10.1f\n' "$loop" "$none" "$a" "$b" \
    "$(echo "$a - $none" | bc -l)" "$(echo "$b - $none" | bc -l)"
done
