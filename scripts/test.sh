#!/usr/bin/env bash
# Installs what is missing and runs every test: unit tests, the integration tests that load the
# BPF programs into the running kernel (as root), and the kernel matrix (other kernels, under
# qemu). KERNEL_MATRIX=0 leaves the matrix out.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
if [ "${KERNEL_MATRIX:-1}" = 0 ]; then
  exec mvn -B verify "$@"
fi
# The integration tests leave a core idle most of the time (they wait for scans and for JVMs):
# the matrix's guests run beside them at the lowest priority, on a copy of the jar and of the
# services' libraries taken before the tests start, so that the build cannot change them under
# it. Its output comes after the tests'.
mvn -B -q -DskipTests pre-integration-test "$@"
staged=build/kernel-matrix-input
rm -rf "$staged" && mkdir -p "$staged"
cp exporter/target/syscall-exporter.jar "$staged/"
cp -r exporter/target/service-deps "$staged/"
KERNEL_MATRIX_JAR=$staged/syscall-exporter.jar KERNEL_MATRIX_DEPS=$staged/service-deps \
  nice -n 19 ./scripts/kernel-matrix.sh >build/kernel-matrix.log 2>&1 &
matrix=$!
tests=0
mvn -B verify "$@" || tests=$?
echo "Waiting for the kernel matrix (scripts/kernel-matrix.sh) to finish..."
matrix_rc=0
wait "$matrix" || matrix_rc=$?
cat build/kernel-matrix.log
if [ "$tests" != 0 ] || [ "$matrix_rc" != 0 ]; then
  echo "test.sh: mvn verify exited $tests, the kernel matrix $matrix_rc" >&2
  exit 1
fi
