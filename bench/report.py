"""Summarises bench/run.sh's samples: medians, spread, ns added per syscall, ratios."""
import statistics
import sys
from collections import defaultdict

CONFIGS = ["none", "floor", "timestamps", "storage", "hash", "bucket", "exporter", "bpftrace"]
# What each step of the exporter's hot path adds to the one before (HOT_PATH_PARTS).
PARTS = [("storage", "timestamps", "task storage on enter and exit"),
         ("hash", "storage", "histogram slot (cache, or hash)"),
         ("bucket", "hash", "bucket search"),
         ("exporter", "bucket", "atomic adds and slow check")]
samples = defaultdict(list)
for line in sys.stdin:
    config, workload, ns = line.split()
    samples[(workload, config)].append(float(ns))

for workload in ["getppid", "rw", "getppid-2-threads"]:
    base = statistics.median(samples[(workload, "none")])
    print(f"\n{workload} (ns per syscall, {len(samples[(workload, 'none')])} samples each)")
    print(f"  {'config':<11} {'median':>8} {'min':>8} {'max':>8} {'added':>8}")
    added = {}
    for config in CONFIGS:
        s = samples[(workload, config)]
        med = statistics.median(s)
        added[config] = med - base
        print(f"  {config:<11} {med:8.1f} {min(s):8.1f} {max(s):8.1f} {added[config]:+8.1f}")
    print("  the hot path, part by part (ns each adds):")
    for config, before, what in PARTS:
        print(f"    {what:<32} {added[config] - added[before]:+7.1f}")
    ts, ours, bt = added["timestamps"], added["exporter"], added["bpftrace"]
    print(f"  exporter added / timestamp floor added: {ours / ts:.2f} (target <= 1.3)")
    print(f"  exporter added / bpftrace added:        {ours / bt:.2f} (target <= 0.35)")
