#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test skel.
# Only packages that are missing are installed; running it twice is a no-op.
#
#   scripts/install-deps.sh          build and host-kernel test needs
#   scripts/install-deps.sh --vm     also what the sched_ext VM test needs
#   scripts/install-deps.sh --bench  also what `make bench` needs
set -euo pipefail

packages=(
  clang        # compiles the BPF C programs (-target bpf)
  llvm         # llvm-strip and friends, used by BPF toolchains
  libelf-dev   # libbpf-sys links libelf
  zlib1g-dev   # libbpf-sys links zlib
  pkg-config   # libbpf-sys finds libelf/zlib with it
  make
  gcc          # libbpf-sys builds its vendored libbpf with cc
  libc6-dev
  linux-libc-dev   # <linux/bpf.h> and friends for BPF C sources
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(
    bpftool  # dumps the running kernel's vmlinux.h for the benchmark suite
  )
fi
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

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}"; then
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
