#!/usr/bin/env bash
# Runs the real exporter jar on other kernels and another architecture than the host's: Debian's
# Linux 6.1 and 6.12 cloud images for x86_64 and for arm64, each booted under qemu (software
# emulation: KVM is not needed) into a small initramfs with a JRE of that architecture, the jar
# and the test programs (scripts/kernel-matrix-guest.sh is its /init). In each kernel: the
# programs load and attach as a host exporter (plain, --labels.pid, --labels.cgroup) and as an
# agent, 10,000 getppid calls count exactly, a read blocked on a hung FUSE file is timed out and
# named (also one blocked before the exporter started), a sleep stopped and continued is not
# timed out, and SIGTERM detaches. The jar picks the object for the machine it runs on. Two
# guests run at once (one per host core). Prints one line per kernel; exits 1 if any check
# fails.
#
#   scripts/kernel-matrix.sh            (after a build: needs exporter/target/syscall-exporter.jar)
#
# KERNEL_MATRIX_JAR and KERNEL_MATRIX_DEPS name another jar and services' libraries to test
# (scripts/test.sh passes a copy, taken before its build goes on). The guests' deadlines are
# generous: they run beside the integration tests, at the lowest priority.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/build/kernel-matrix
JAR=${KERNEL_MATRIX_JAR:-$ROOT/exporter/target/syscall-exporter.jar}
DEPS=${KERNEL_MATRIX_DEPS:-$ROOT/exporter/target/service-deps}
# Boot, five JVM starts and the checks under emulation take about 5 minutes per kernel alone,
# up to twice that beside the integration tests.
GUEST_TIMEOUT=${KERNEL_MATRIX_TIMEOUT:-1800}

need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v qemu-system-aarch64 >/dev/null || need+=(qemu-system-arm)
command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
command -v cpio >/dev/null || need+=(cpio)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
dpkg -s libfuse3-dev >/dev/null 2>&1 || need+=(libfuse3-dev)
# The package lists name the newest kernels: fresh ones, whatever is installed.
apt-get update -q >/dev/null
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -f "$JAR" ] || [ ! -d "$DEPS" ]; then
  echo "kernel-matrix: build first (mvn verify, or scripts/test.sh)" >&2
  exit 2
fi

# arm64 packages come through an apt state of their own: nothing is installed on the host.
mkdir -p "$WORK"/arm64-apt/{lists,cache/archives}/partial
ARM64_APT=(-o "Dir::State::Lists=$WORK/arm64-apt/lists" -o "Dir::Cache=$WORK/arm64-apt/cache"
  -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Debug::NoLocking=1)
apt-get "${ARM64_APT[@]}" update -q >/dev/null
apt_for() { # arch: apt-get / apt-cache options for its packages
  [ "$1" = aarch64 ] && printf '%s\n' "${ARM64_APT[@]}"
  return 0
}
# The newest 6.1 cloud image (the cloud flavour's own) and the newest 6.12 one.
newest() { # arch debian-arch
  local opts
  mapfile -t opts < <(apt_for "$1")
  apt-cache "${opts[@]}" depends "linux-image-cloud-$2" | awk '/Depends: linux-image-6/ {print $2; exit}'
  apt-cache "${opts[@]}" search --names-only \
    "^linux-image-6\\.12\\.[0-9.]+\\+deb[0-9]+-cloud-$2-unsigned\$" | awk '{print $1}' | sort -V | tail -1
}
mapfile -t x86_kernels < <(newest x86_64 amd64)
mapfile -t arm_kernels < <(newest aarch64 arm64)

# The guest's user space, one per architecture, the same for each of its kernels.
common() { # guest: what is the same on every architecture
  mkdir -p "$1"/{bin,lib,lib64,proc,sys,dev,tmp,mnt,service,etc}
  cp "$JAR" "$1/syscall-exporter.jar"
  cp scripts/jvm.options "$1/jvm.options"
  cp -r "$DEPS" "$1/service-deps"
  javac -d "$1/service" -cp "$DEPS/*" exporter/src/test/resources/service/IoService.java
  cp scripts/kernel-matrix-guest.sh "$1/init"
  chmod +x "$1/init"
  echo "root:x:0:0:root:/:/bin/sh" >"$1/etc/passwd"
  echo "root:x:0:" >"$1/etc/group"
}

x86_64_userland() { # guest: a JRE made with jlink from the host's, and the host's libraries
  local guest=$1
  jlink --add-modules java.base,java.desktop,java.instrument,java.logging,java.management,java.naming,jdk.attach,jdk.httpserver,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.jfr \
    --strip-debug --no-header-files --no-man-pages --output "$guest/jre"
  gcc -O2 -static -o "$guest/workload" exporter/src/test/c/workload.c -lpthread
  gcc -O2 -o "$guest/hangfs" exporter/src/test/c/hangfs.c $(pkg-config --cflags --libs fuse3)
  cp /bin/busybox "$guest/bin/busybox"
  # Shared libraries: the JVM's, libbpf's (loaded by JNR at run time) and hangfs's.
  local libs=("$guest"/jre/bin/java "$guest"/jre/lib/server/libjvm.so "$guest"/jre/lib/lib{java,net,nio,zip,jimage,management,management_ext,attach,verify,jli}.so "$guest/hangfs")
  local libbpf
  libbpf=$(ldconfig -p | awk '/libbpf\.so\.1 / {print $NF; exit}')
  libs+=("$libbpf")
  cp -L "$libbpf" "$guest/lib/"
  for f in "${libs[@]}"; do
    ldd "$f" | awk '/=> \// {print $3}'
  done | sort -u | while read -r lib; do
    cp -L "$lib" "$guest/lib/"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$guest/lib64/"
}

aarch64_userland() { # guest: Debian's arm64 JRE and libraries, the test programs cross-built
  local guest=$1 debs=$WORK/arm64-debs sysroot=$WORK/arm64-sysroot
  mkdir -p "$debs" "$sysroot"
  (cd "$debs" && apt-get "${ARM64_APT[@]}" download -q busybox-static openjdk-17-jre-headless \
    libc6 libgcc-s1 libstdc++6 zlib1g libbpf1 libelf1 libfuse3-dev 2>/dev/null >/dev/null)
  for deb in "$debs"/*.deb; do
    case $deb in
      */libfuse3-dev_*) dpkg-deb -x "$deb" "$sysroot" ;; # to build hangfs with, not to run
      *) dpkg-deb -x "$deb" "$guest" ;;
    esac
  done
  ln -s usr/lib/jvm/java-17-openjdk-arm64 "$guest/jre"
  # Static: they need nothing from the guest's libraries.
  aarch64-linux-gnu-gcc -O2 -static -o "$guest/workload" exporter/src/test/c/workload.c -lpthread
  aarch64-linux-gnu-gcc -O2 -static -D_FILE_OFFSET_BITS=64 -I "$sysroot/usr/include/fuse3" \
    -o "$guest/hangfs" exporter/src/test/c/hangfs.c \
    "$sysroot/usr/lib/aarch64-linux-gnu/libfuse3.a" -lpthread -ldl 2>/dev/null
}

for arch in x86_64 aarch64; do
  rm -rf "$WORK/root-$arch"
  common "$WORK/root-$arch"
  "${arch}_userland" "$WORK/root-$arch"
  (cd "$WORK/root-$arch" && find . | cpio -o -H newc --quiet) >"$WORK/initrd-$arch.cpio"
done

# Boots one kernel with its architecture's guest; its "matrix:" lines go to $WORK/$pkg.results.
boot() { # arch pkg vmlinuz initrd
  local log=$WORK/$2.log
  # Two vCPUs on one host thread (thread=single): with a thread each (MTTCG), code that
  # patches itself while another CPU runs it (the kernel's text_poke, a JVM's JIT) crashed a
  # guest kernel and a JVM here, once in a few boots.
  if [ "$1" = x86_64 ]; then
    timeout "$GUEST_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 2048 \
      -nographic -no-reboot -kernel "$3" -initrd "$4" \
      -append "console=ttyS0 panic=-1 quiet rdinit=/init" </dev/null >"$log" 2>&1 || true
  else
    # cortex-a72: "max" emulates pointer authentication, which halves the speed.
    timeout "$GUEST_TIMEOUT" qemu-system-aarch64 -M virt -cpu cortex-a72 \
      -accel tcg,thread=single -smp 2 -m 2048 -nographic -no-reboot -kernel "$3" -initrd "$4" \
      -append "console=ttyAMA0 panic=-1 quiet rdinit=/init" </dev/null >"$log" 2>&1 || true
  fi
  # The guest's lines, without the firmware's terminal escapes before the first.
  tr -d '\r' <"$log" | grep -o 'matrix: .*' >"$WORK/$2.results" || true
  grep -q '^matrix: .* done $' "$WORK/$2.results" && ! grep -q FAIL "$WORK/$2.results"
}

# One kernel: fetched, booted (once more if it fails), summed up in $WORK/$pkg.summary.
leg() { # arch pkg
  local arch=$1 pkg=$2 dir=$WORK/$2 out=$WORK/$2.summary opts
  mapfile -t opts < <(apt_for "$arch")
  {
    if [ ! -d "$dir" ]; then
      (cd "$WORK" && apt-get "${opts[@]}" download -q "$pkg" 2>/dev/null >/dev/null)
      dpkg-deb -x "$WORK"/"${pkg}"_*.deb "$dir"
    fi
    local vmlinuz fuse initrd=$WORK/$pkg.cpio
    vmlinuz=$(ls "$dir"/boot/vmlinuz-*)
    # fuse.ko where it is a module: a second cpio archive, which the kernel unpacks over the
    # first.
    cp "$WORK/initrd-$arch.cpio" "$initrd"
    fuse=$(find "$dir/lib/modules" -name fuse.ko 2>/dev/null | head -1)
    if [ -n "$fuse" ]; then
      mkdir -p "$WORK/$pkg.extra/lib"
      cp "$fuse" "$WORK/$pkg.extra/lib/fuse.ko"
      (cd "$WORK/$pkg.extra" && find . | cpio -o -H newc --quiet) >>"$initrd"
    fi
    local started ok=true retried=0
    started=$(date +%s)
    if ! boot "$arch" "$pkg" "$vmlinuz" "$initrd"; then
      # Emulation, not the exporter, has failed a run here (a JVM crash in TCG); a failure
      # that is ours fails the second boot too. The retry is said, and counted in the last line.
      echo "kernel-matrix: $pkg failed; booting it once more. Its console:"
      tr -d '\r' <"$WORK/$pkg.log" | grep -v 'matrix: ' | tail -60 | sed 's/^/    /'
      retried=1
      boot "$arch" "$pkg" "$vmlinuz" "$initrd" || ok=false
    fi
    local took release checks fails
    took=$(($(date +%s) - started))
    sed "s/^matrix: /  /" "$WORK/$pkg.results"
    release=$(awk '{print $2; exit}' "$WORK/$pkg.results")
    checks=$(grep -c ' ok$' "$WORK/$pkg.results" || true)
    fails=$(grep -v ' done ' "$WORK/$pkg.results" | grep -c 'FAIL' || true)
    if $ok; then
      echo "kernel-matrix: $arch Linux ${release:-?} ($pkg): ok, $checks checks passed in ${took}s"
    else
      echo "kernel-matrix: $arch Linux ${release:-?} ($pkg): FAILED after ${took}s; console: $WORK/$pkg.log"
      tr -d '\r' <"$WORK/$pkg.log" | grep -v 'matrix: ' | tail -60
      ((fails > 0)) || fails=1 # it did not get to say
    fi
    echo "counts $checks $fails $retried $ok"
  } >"$out" 2>&1
}

legs=()
for i in 0 1; do
  legs+=("x86_64 ${x86_kernels[$i]:-}" "aarch64 ${arm_kernels[$i]:-}")
done
failed=0
passed_checks=0
failed_checks=0
retries=0
# Two at once, one per host core: an x86_64 and an arm64 guest.
for ((i = 0; i < ${#legs[@]}; i += 2)); do
  pids=()
  for leg_spec in "${legs[@]:i:2}"; do
    read -r arch pkg <<<"$leg_spec"
    if [ -z "${pkg:-}" ]; then
      echo "kernel-matrix: an $arch kernel package was not found" >&2
      failed=1
      failed_checks=$((failed_checks + 1))
      continue
    fi
    leg "$arch" "$pkg" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do
    wait "$pid" || true
  done
  for leg_spec in "${legs[@]:i:2}"; do
    read -r arch pkg <<<"$leg_spec"
    [ -n "${pkg:-}" ] || continue
    grep -v '^counts ' "$WORK/$pkg.summary" || true
    read -r _ checks fails retried ok < <(grep '^counts ' "$WORK/$pkg.summary" || echo "counts 0 1 0 false")
    passed_checks=$((passed_checks + checks))
    failed_checks=$((failed_checks + fails))
    retries=$((retries + retried))
    [ "$ok" = true ] || failed=1
  done
done
echo "kernel-matrix: $retries kernels booted twice"
echo "kernel-matrix: $passed_checks passed, $failed_checks failed"
exit $failed
