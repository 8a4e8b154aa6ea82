#!/usr/bin/env bash
# A compressed week of a busy host, for the exporter's own footprint: for SECONDS (default 600)
# every second 50 short-lived processes under new names, a thread that execs, a cgroup created,
# used and removed, and a scrape of /metrics (as Prometheus at a 1 s interval); the exporter runs
# as scripts/run.sh runs it, with --labels.cgroup. It prints the exporter's RSS idle (after 20 s)
# and every 30 s under the churn, its heap after a full GC, its threads, the slowest scrape and
# the series count; with NMT=1, the JVM's native memory summary idle and at the end (NMT costs
# some memory of its own: the RSS figures to compare are those without it).
# Usage: sudo [NMT=1] bench/soak.sh [SECONDS]
set -euo pipefail
seconds=${1:-600}
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --bench
mvn -B -q -pl exporter -am -DskipTests package
out=bench/build
mkdir -p "$out"
gcc -O2 -Wall -o "$out/workload" exporter/src/test/c/workload.c -lpthread
export MALLOC_ARENA_MAX=2 # as scripts/run.sh runs the exporter

cgroot=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
port=9577
log=$(mktemp)
nmt=()
[ "${NMT:-0}" = 1 ] && nmt=(-XX:NativeMemoryTracking=summary)
# shellcheck disable=SC2086 # JVM_EXTRA: more JVM flags, to compare
java @scripts/jvm.options "${nmt[@]}" ${JVM_EXTRA:-} -jar exporter/target/syscall-exporter.jar \
  --web.listen-address=127.0.0.1:$port --labels.cgroup >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rmdir "$cgroot"/soak_* 2>/dev/null || true; rm -f "$log"' EXIT
until grep -q 'msg="listening"' "$log"; do
  kill -0 $pid 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done

rss() { # MiB resident, and of it anonymous (the rest: libjvm, the CDS archive, the jar)
  awk '/^VmRSS/ { r = $2 } /^RssAnon/ { a = $2 }
    END { printf "%.0f (anon %.0f)", r / 1024, a / 1024 }' /proc/$pid/status
}
threads() { awk '/^Threads/ { print $2 }' /proc/$pid/status; }
heap() { # MiB in use after a full GC, and committed (serial GC: its two generations)
  jcmd $pid GC.run >/dev/null
  jcmd $pid GC.heap_info | awk '/generation/ { for (i = 1; i <= NF; i++) {
      v = $(i + 1); gsub(/[K,]/, "", v)
      if ($i == "used") used += v; else if ($i == "total") total += v } }
    END { printf "%.1f (committed %.1f)", used / 1024, total / 1024 }'
}
native_memory() { # the JVM's own account, by area (NMT=1)
  [ "${NMT:-0}" = 1 ] || return 0
  jcmd $pid VM.native_memory summary | grep -E '^(Total|-)' | sed 's/^/  /'
}

sleep 20
echo "idle: rss $(rss) MiB, heap after GC $(heap) MiB, $(threads) threads"
native_memory

slowest=0
series=0
for s in $(seq "$seconds"); do
  "$out/workload" "s${s}x" names 50 >/dev/null &
  children=($!)
  if (( s % 5 == 0 )); then
    "$out/workload" "x${s}" exec-thread 0 >/dev/null 2>&1 &
    children+=($!)
  fi
  cg="$cgroot/soak_$s"
  if mkdir "$cg" 2>/dev/null; then
    sh -c "echo \$\$ > $cg/cgroup.procs && exec $out/workload c$s getppid 100" >/dev/null 2>&1 \
      || true
    rmdir "$cg" 2>/dev/null || true
  fi
  began=$(date +%s%N)
  series=$(curl -s "http://127.0.0.1:$port/metrics" | grep -c '^syscall_' || true)
  took=$(( ($(date +%s%N) - began) / 1000000 ))
  (( took > slowest )) && slowest=$took
  (( s % 30 )) || echo "$s s: rss $(rss) MiB, $(threads) threads, series $series, slowest scrape ${slowest} ms"
  wait "${children[@]}" || true
  sleep 0.5
done
echo "end: rss $(rss) MiB, heap after GC $(heap) MiB, $(threads) threads, series $series, slowest scrape ${slowest} ms"
native_memory
