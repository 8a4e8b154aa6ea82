#!/usr/bin/env bash
# Installs what is missing, builds, and runs the exporter with defaults (extra flags pass through).
# scripts/jvm.options keeps the JVM small: a serial-GC heap that starts at 16 MiB and may grow to
# 96 MiB (two concurrent scrapes of 5,000 label sets need about 30), and the exporter exits
# (detaching everything) rather than limp on out of memory.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
mvn -B -q -pl exporter -am -DskipTests package
export MALLOC_ARENA_MAX=2 # fewer glibc arenas: less resident memory for a few threads
exec java @scripts/jvm.options -jar exporter/target/syscall-exporter.jar "$@"
