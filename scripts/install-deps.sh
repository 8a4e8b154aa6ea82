#!/usr/bin/env bash
# Installs what is missing on Debian/Ubuntu (cheap to run every time): what building and
# running the exporter needs; with --stack, also Prometheus and Alertmanager (scripts/stack.sh);
# with --bench, what bench/run.sh needs; with --test, everything the tests use.
set -euo pipefail

packages=(clang libbpf-dev libbpf1 make)
case "${1:-}" in
  --stack) packages+=(prometheus prometheus-alertmanager) ;;
  --bench) packages+=(gcc libc6-dev bpftrace python3 bc curl bpftool wrk linux-perf) ;;
  --test) packages+=(gcc libc6-dev pkg-config libfuse3-dev fuse3 prometheus prometheus-alertmanager chromium openssl systemd bpftool strace wrk) ;;
esac

# The manifests' schema check runs on node and npm; a node from elsewhere (nodesource) will do.
if [[ "${1:-}" == --test ]] && ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "installing: ${missing[*]}" >&2
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: install a JDK 17+ and Maven" >&2; exit 1; }
done
