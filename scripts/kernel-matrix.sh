#!/usr/bin/env bash
# Runs the real exporter jar on other kernels than the host's: Debian's Linux 6.1 and 6.12 cloud
# images, each booted under qemu (software emulation: KVM is not needed) into a small initramfs
# with a JRE, the jar and the test programs (scripts/kernel-matrix-guest.sh is its /init). In
# each kernel: the programs load and attach as a host exporter (plain, --labels.pid,
# --labels.cgroup) and as an agent, 10,000 getppid calls count exactly, and a read blocked on a
# hung FUSE file is timed out and named. Prints one line per kernel; exits 1 if any check fails.
#
#   scripts/kernel-matrix.sh            (after a build: needs exporter/target/syscall-exporter.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/build/kernel-matrix
JAR=$ROOT/exporter/target/syscall-exporter.jar
DEPS=$ROOT/exporter/target/service-deps
# Boot, five JVM starts and the checks under emulation take a few minutes per kernel.
GUEST_TIMEOUT=${KERNEL_MATRIX_TIMEOUT:-900}

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v cpio >/dev/null || need+=(cpio)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
dpkg -s libfuse3-dev >/dev/null 2>&1 || need+=(libfuse3-dev)
# The package lists name the newest kernels: fresh ones, whatever is installed.
apt-get update -q >/dev/null
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
if [ ! -f "$JAR" ] || [ ! -d "$DEPS" ]; then
  echo "kernel-matrix: build first (mvn verify, or scripts/test.sh)" >&2
  exit 2
fi

# The kernels: the newest 6.1 cloud image and the newest 6.12 cloud image Debian carries.
kernels=(
  "$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-6/ {print $2; exit}')"
  "$(apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb[0-9]+-cloud-amd64-unsigned$' \
    | awk '{print $1}' | sort -V | tail -1)"
)

mkdir -p "$WORK"
rm -rf "$WORK/root"
mkdir -p "$WORK/root"/{bin,lib,lib64,proc,sys,dev,tmp,mnt,service}
guest=$WORK/root

# The guest's user space, the same for every kernel.
jlink --add-modules java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,jdk.attach,jdk.httpserver,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.jfr \
  --strip-debug --no-header-files --no-man-pages --output "$guest/jre"
cp "$JAR" "$guest/syscall-exporter.jar"
cp scripts/jvm.options "$guest/jvm.options"
cp -r "$DEPS" "$guest/service-deps"
javac -d "$guest/service" -cp "$DEPS/*" exporter/src/test/resources/service/IoService.java
gcc -O2 -static -o "$guest/workload" exporter/src/test/c/workload.c -lpthread
gcc -O2 -o "$guest/hangfs" exporter/src/test/c/hangfs.c $(pkg-config --cflags --libs fuse3)
cp /bin/busybox "$guest/bin/busybox"
cp scripts/kernel-matrix-guest.sh "$guest/init"
chmod +x "$guest/init"
# Shared libraries: the JVM's, libbpf's (loaded by JNR at run time) and hangfs's.
libs=("$guest"/jre/bin/java "$guest"/jre/lib/server/libjvm.so "$guest"/jre/lib/lib{java,net,nio,zip,jimage,management,management_ext,attach,verify,jli}.so "$guest/hangfs")
libbpf=$(ldconfig -p | awk '/libbpf\.so\.1 / {print $NF; exit}')
libs+=("$libbpf")
cp -L "$libbpf" "$guest/lib/"
for f in "${libs[@]}"; do
  ldd "$f" | awk '/=> \// {print $3}'
done | sort -u | while read -r lib; do
  cp -L "$lib" "$guest/lib/"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$guest/lib64/"
mkdir -p "$guest/etc"
echo "root:x:0:0:root:/:/bin/sh" >"$guest/etc/passwd"
echo "root:x:0:" >"$guest/etc/group"

# Boots one kernel with the guest; its "matrix:" lines go to $WORK/$pkg.results.
boot() { # pkg vmlinuz
  local log=$WORK/$1.log
  # Two vCPUs on one host thread (thread=single): with a thread each (MTTCG), code that
  # patches itself while another CPU runs it (the kernel's text_poke, a JVM's JIT) crashed a
  # guest kernel and a JVM here, once in a few boots.
  timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 2048 \
    -nographic \
    -no-reboot -kernel "$2" -initrd "$WORK/initrd.cpio" \
    -append "console=ttyS0 panic=-1 quiet rdinit=/init" </dev/null >"$log" 2>&1 || true
  # The guest's lines, without the firmware's terminal escapes before the first.
  tr -d '\r' <"$log" | grep -o 'matrix: .*' >"$WORK/$1.results" || true
  sed "s/^matrix: /  /" "$WORK/$1.results"
  grep -q '^matrix: .* done $' "$WORK/$1.results" && ! grep -q FAIL "$WORK/$1.results"
}

failed=0
passed_checks=0
failed_checks=0
for pkg in "${kernels[@]}"; do
  if [ -z "$pkg" ]; then
    echo "kernel-matrix: a kernel package was not found" >&2
    failed=1
    failed_checks=$((failed_checks + 1))
    continue
  fi
  dir=$WORK/$pkg
  if [ ! -d "$dir" ]; then
    (cd "$WORK" && apt-get download -q "$pkg" 2>/dev/null)
    dpkg-deb -x "$WORK"/"${pkg}"_*.deb "$dir"
  fi
  vmlinuz=$(ls "$dir"/boot/vmlinuz-*)
  rm -f "$guest/lib/fuse.ko"
  fuse=$(find "$dir/lib/modules" -name fuse.ko 2>/dev/null | head -1)
  [ -n "$fuse" ] && cp "$fuse" "$guest/lib/fuse.ko"
  (cd "$guest" && find . | cpio -o -H newc --quiet) >"$WORK/initrd.cpio"

  started=$(date +%s)
  ok=true
  if ! boot "$pkg" "$vmlinuz"; then
    # Emulation, not the exporter, has failed a run here (a JVM crash in TCG); a failure that
    # is ours fails the second boot too. The retry is said, and counted in the last line.
    echo "kernel-matrix: $pkg failed; booting it once more. Its console:"
    tr -d '\r' <"$WORK/$pkg.log" | grep -v 'matrix: ' | tail -60 | sed 's/^/    /'
    retries=$((${retries:-0} + 1))
    boot "$pkg" "$vmlinuz" || ok=false
  fi
  took=$(($(date +%s) - started))
  release=$(awk '{print $2; exit}' "$WORK/$pkg.results")
  checks=$(grep -c ' ok$' "$WORK/$pkg.results" || true)
  fails=$(grep -v ' done ' "$WORK/$pkg.results" | grep -c 'FAIL' || true)
  passed_checks=$((passed_checks + checks))
  failed_checks=$((failed_checks + fails))
  if $ok; then
    echo "kernel-matrix: Linux ${release:-?} ($pkg): ok, $checks checks passed in ${took}s"
  else
    echo "kernel-matrix: Linux ${release:-?} ($pkg): FAILED after ${took}s; console: $WORK/$pkg.log"
    tr -d '\r' <"$WORK/$pkg.log" | grep -v 'matrix: ' | tail -60
    failed=1
    ((fails > 0)) || failed_checks=$((failed_checks + 1)) # it did not get to say
  fi
done
echo "kernel-matrix: ${retries:-0} kernels booted twice"
echo "kernel-matrix: $passed_checks passed, $failed_checks failed"
exit $failed
