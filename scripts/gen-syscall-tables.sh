#!/usr/bin/env bash
# Regenerates the syscall name tables from the kernel UAPI headers (Debian's linux-libc-dev).
# x86_64 has its own numbering; aarch64 uses the generic table with arm64's options.
set -euo pipefail
out=exporter/src/main/resources/syscalls
dump() { # header, extra cpp flags...
  local header=$1; shift
  printf '#include <%s>\n' "$header" \
    | gcc -E -dM -D__BITS_PER_LONG=64 "$@" -x c - \
    | awk '$1 == "#define" && $2 ~ /^__NR/ { print $2, $3 }' \
    | awk '{ v[$1] = $2 } END {
        for (k in v) { n = v[k]; while (n in v) n = v[n];
          if (n ~ /^[0-9]+$/ && k !~ /^__NR3264_/ && k != "__NR_syscalls" && k != "__NR_arch_specific_syscall")
            print n "\t" substr(k, 6) } }' \
    | sort -n
}
# Added after Linux 6.1 (Debian bookworm's headers); numbered alike on both architectures.
newer() {
  printf '%s\t%s\n' 451 cachestat 452 fchmodat2 453 map_shadow_stack 454 futex_wake \
    455 futex_wait 456 futex_requeue 457 statmount 458 listmount 459 lsm_get_self_attr \
    460 lsm_set_self_attr 461 lsm_list_modules 462 mseal 463 setxattrat 464 getxattrat \
    465 listxattrat 466 removexattrat 467 open_tree_attr 468 file_getattr 469 file_setattr
}
{ dump asm/unistd_64.h -I/usr/include/x86_64-linux-gnu; newer; } | sort -un > "$out/x86_64.tsv"
{ dump asm-generic/unistd.h -D__ARCH_WANT_RENAMEAT -D__ARCH_WANT_NEW_STAT \
    -D__ARCH_WANT_SET_GET_RLIMIT -D__ARCH_WANT_TIME32_SYSCALLS -D__ARCH_WANT_SYS_CLONE3 \
    -D__ARCH_WANT_MEMFD_SECRET; newer; } | sort -un > "$out/aarch64.tsv"
