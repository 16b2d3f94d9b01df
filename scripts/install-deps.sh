#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test skel.
# Only packages that are missing are installed; running it twice is a no-op.
#
#   scripts/install-deps.sh          build and host-kernel test needs
#   scripts/install-deps.sh --vm     also what the sched_ext VM test needs
#   scripts/install-deps.sh --bench  also what `make bench` needs (nothing more now)
set -euo pipefail

# The newest versioned clang (clang-N) apt offers, or nothing. Debian 12's
# default clang is 14, which writes 64-bit and signed enum values wrongly
# into BTF and drops BTF type tags (`__kptr`); its main archive also offers
# clang-15, clang-16 and clang-19 (this machine's apt also clang-22). skel-builder runs the newest clang-N it
# finds on PATH.
newest_clang() {
  local p candidate
  apt-cache pkgnames clang- 2>/dev/null | grep -E '^clang-[0-9]+$' | sort -t- -k2,2nr |
    while read -r p; do
      candidate=$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')
      if [[ -n "$candidate" && "$candidate" != "(none)" ]]; then
        echo "$p"
        break
      fi
    done
}

packages=(
  clang        # compiles the BPF C programs (-target bpf); `clang` on PATH
  llvm         # llvm-strip and friends, used by BPF toolchains
  libelf-dev   # libbpf-sys links libelf
  zlib1g-dev   # libbpf-sys links zlib
  pkg-config   # libbpf-sys finds libelf/zlib with it
  make
  gcc          # libbpf-sys builds its vendored libbpf with cc
  libc6-dev
  linux-libc-dev   # <linux/bpf.h> and friends for BPF C sources
  bpftool      # tests compare kernel enum values with `bpftool btf dump`; the
               # benchmark suite dumps the running kernel's vmlinux.h with it
)
if [[ "${1:-}" == "--vm" ]]; then
  packages+=(
    qemu-system-x86  # boots the sched_ext kernel
    busybox-static   # the guest's userland
    cpio             # packs the initramfs
    gzip
    zstd             # unpacks the kernel inside vmlinuz, for its BTF
    binutils         # objcopy takes the .BTF section out of it
  )
fi

SUDO=""
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null; then SUDO=sudo; fi

# Packages of `packages` plus the newest clang-N, not yet installed.
missing_packages() {
  local all=("${packages[@]}") p
  if [[ -n "$versioned" ]]; then all+=("$versioned"); fi
  for p in "${all[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
      echo "$p"
    fi
  done
}

versioned=$(newest_clang || true)
mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
  exit 0
fi
if [[ $(id -u) -ne 0 && -z "$SUDO" ]]; then
  echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi

# Something is missing: read the package lists first. Stale lists name
# files the mirror no longer has and can hide a newer clang-N (seen: lists
# that offered clang-19 where the archive had clang-22).
$SUDO apt-get update >&2 || true
versioned=$(newest_clang || true)
if [[ -z "$versioned" ]]; then
  echo "install-deps: apt offers no versioned clang-N; using the default clang" \
       "(clang 14 on Debian 12 writes wrong enum values into BTF)" >&2
fi
mapfile -t missing < <(missing_packages)
if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
