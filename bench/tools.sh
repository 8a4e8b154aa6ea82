# Sourced by the bench scripts: where they build, how, and what they say of the machine.
out=bench/build
mkdir -p "$out"
arch=$(uname -m | sed -e s/x86_64/x86/ -e s/aarch64/arm64/)

bpf_object() { # source object [clang flags...]
  local src=$1 obj=$2
  shift 2
  clang -g -O2 -target bpf -D__TARGET_ARCH_"$arch" -Ibpf "$@" -c "$src" -o "$out/$obj"
}

# The measured loops (bench/loop.c) and the loader of reference programs (bench/attach.c).
build_loop_and_attach() {
  gcc -O2 -Wall -o "$out/loop" bench/loop.c -lpthread
  gcc -O2 -Wall -o "$out/attach" bench/attach.c -lbpf
}

# A tracer in the background ($tracer, its output in $log, both the caller's), started and
# waited for until its output says READY; then stopped.
start() { # READY command...
  local ready=$1
  shift
  "$@" >"$log" 2>&1 &
  tracer=$!
  until grep -q "$ready" "$log"; do
    kill -0 "$tracer" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  sleep 1
}
stop() { [ -z "$tracer" ] || { kill "$tracer"; wait "$tracer" 2>/dev/null || true; tracer=""; }; }

# ns per run of a loaded program since kernel.bpf_stats_enabled=1 (the stats' own clock reads
# included: compare programs measured alike).
per_run() { # program name
  bpftool prog show name "$1" -j | python3 -c 'import json, sys
p = json.load(sys.stdin)
runs = p.get("run_cnt", 0)
print("%.0f ns per run over %d runs" % (p.get("run_time_ns", 0) / max(runs, 1), runs))'
}

# The CPU and the mitigations that decide what a call and a return cost.
describe_machine() {
  echo "$(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  local v f
  for v in spectre_v2 spec_rstack_overflow retbleed; do
    f=/sys/devices/system/cpu/vulnerabilities/$v
    [ -r "$f" ] && echo "  $v: $(cat "$f")"
  done
  return 0
}
