#!/usr/bin/env bash
# Runs the exporter, Prometheus and Alertmanager on loopback with the bundled configuration:
# the exporter on :9548, Prometheus on :9090 (with the alert rules), Alertmanager on :9093.
# Ctrl-C stops all three. Data goes to a temporary folder.
set -euo pipefail
export MALLOC_ARENA_MAX=2 # as scripts/run.sh runs the exporter
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --stack
mvn -B -q -pl exporter -am -DskipTests package

work=$(mktemp -d)
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar --web.listen-address=127.0.0.1:9548 "$@" &
pids+=($!)
prometheus-alertmanager --config.file=alerts/alertmanager.yml --storage.path="$work/am" \
  --cluster.listen-address= --web.listen-address=127.0.0.1:9093 >"$work/alertmanager.log" 2>&1 &
pids+=($!)
prometheus --config.file=prometheus.yml --storage.tsdb.path="$work/tsdb" \
  --web.listen-address=127.0.0.1:9090 >"$work/prometheus.log" 2>&1 &
pids+=($!)

echo "exporter      http://127.0.0.1:9548/"
echo "prometheus    http://127.0.0.1:9090/alerts"
echo "alertmanager  http://127.0.0.1:9093/"
wait -n "${pids[@]}"
