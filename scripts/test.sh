#!/usr/bin/env bash
# Installs what is missing and runs every test: unit tests, then the integration tests that load
# the BPF programs into the running kernel (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
mvn -B verify "$@"
