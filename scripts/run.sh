#!/usr/bin/env bash
# Installs what is missing, builds, and runs the exporter with defaults (extra flags pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
mvn -B -q -DskipTests package
exec java -jar exporter/target/syscall-exporter.jar "$@"
