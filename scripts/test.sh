#!/usr/bin/env bash
# Installs what is missing and runs every test: unit tests, then the integration tests that load
# the BPF programs into the running kernel (as root), then the kernel matrix (other kernels,
# under qemu).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh --test
mvn -B verify "$@"
# The same jar on other kernels, each booted under qemu (a few minutes; KERNEL_MATRIX=0 skips).
if [ "${KERNEL_MATRIX:-1}" != 0 ]; then
  ./scripts/kernel-matrix.sh
fi
