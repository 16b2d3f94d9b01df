#!/usr/bin/env bash
# The sched_ext VM test (see vm/README.md). Boots Debian unstable's kernel,
# which has sched_ext, under qemu with an initramfs holding busybox and the
# guest program tests/src/bin/scx_guest.rs, and reports the guest's checks.
#
# Run by `make test-vm` and `make test`. Environment:
#   SKEL_REQUIRE_KERNEL=1  a VM that cannot be had fails the run (else: skip)
#   SKEL_VM_CACHE          where kernels are kept
#                          (default: ${XDG_CACHE_HOME:-$HOME/.cache}/skel-vm)
#   SKEL_VM_REFRESH=1      look for a newer kernel now (otherwise weekly)
#   SKEL_VM_KERNEL         boot this bzImage instead of Debian's kernel
#   SKEL_VM_BTF            the booted kernel's BTF (raw, or an ELF with .BTF);
#                          default: extracted from its (zstd) vmlinuz
#   SKEL_VM_MIRROR         Debian mirror (default: http://deb.debian.org/debian)
#   SKEL_VM_TIMEOUT        seconds before a hung guest is killed (default: 120)
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${SKEL_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/skel-vm}
mirror=${SKEL_VM_MIRROR:-http://deb.debian.org/debian}
timeout_s=${SKEL_VM_TIMEOUT:-120}
cargo=${CARGO:-cargo}
meta=linux-image-amd64 # resolved to linux-image-<abi>-amd64 in sid
refresh_days=7
started=$SECONDS

say() { echo "vm: $*"; }

# A VM that cannot be had: a skip that says why, or a failure under
# SKEL_REQUIRE_KERNEL=1.
unavailable() {
  if [[ ${SKEL_REQUIRE_KERNEL:-} == 1 ]]; then
    say "FAIL (SKEL_REQUIRE_KERNEL=1): the sched_ext VM cannot run: $*"
    exit 1
  fi
  say "SKIPPED: the sched_ext VM cannot run: $*"
  exit 0
}

fail() {
  say "FAIL: $*"
  exit 1
}

# --- tools -----------------------------------------------------------------
hint="run scripts/install-deps.sh --vm (make test-vm does)"
command -v qemu-system-x86_64 >/dev/null || unavailable "no qemu-system-x86_64; $hint"
command -v cpio >/dev/null || unavailable "no cpio; $hint"
command -v gzip >/dev/null || unavailable "no gzip; $hint"
command -v zstd >/dev/null || unavailable "no zstd; $hint"
command -v objcopy >/dev/null || unavailable "no objcopy (binutils); $hint"
busybox=""
for b in /bin/busybox /usr/bin/busybox; do
  # The guest has no libraries for busybox: it must be the static build.
  if [[ -x $b ]] && ! ldd "$b" >/dev/null 2>&1; then busybox=$b; break; fi
done
[[ -n $busybox ]] || unavailable "no static busybox (package busybox-static); $hint"

# --- kernel ----------------------------------------------------------------
# Debian's kernel from sid, resolved through the meta package and fetched
# with apt-get under a private configuration: its own sources list, lists,
# cache and config parts, so the machine's apt setup is neither read for
# sources nor changed. Kept in $cache/kernels/<abi>_<version>/.
apt_dir=$cache/apt
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list"
  -o "Dir::Etc::SourceParts=$apt_dir/sources.list.d"
  -o "Dir::State::Lists=$apt_dir/lists"
  -o "Dir::State::status=$apt_dir/status"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "Acquire::Languages=none"
  -o "APT::Architecture=amd64"
  -o "APT::Architectures=amd64"
  -q
)

apt_setup() {
  mkdir -p "$apt_dir"/{sources.list.d,parts,lists/partial,cache/archives/partial}
  : >"$apt_dir/status"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror sid main" \
    >"$apt_dir/sources.list"
  # Only our settings, plus the machine's network ones (proxies, and
  # whether its mirror's Release files may be past Valid-Until): the
  # machine's apt.conf.d would also add index targets and post-update hooks.
  {
    echo "Dir::Etc::Parts \"$apt_dir/parts\";"
    echo "Dir::Etc::Main \"/dev/null\";"
    if [[ $(id -u) -eq 0 ]]; then
      # _apt cannot enter a cache under /root; download as root.
      echo 'APT::Sandbox::User "root";'
    fi
    apt-config dump 2>/dev/null |
      grep -E '^Acquire::((http|https|ftp)::Proxy|Check-Valid-Until|Check-Date)[: ]' || true
  } >"$apt_dir/apt.conf"
  export APT_CONFIG=$apt_dir/apt.conf
}

# Looks up sid's current kernel: sets key (<abi>_<version>, the cache
# directory), image (linux-image-<abi>) and version; or why, and fails.
resolve_kernel() {
  rm -rf "$apt_dir/lists" && mkdir -p "$apt_dir/lists/partial"
  # apt-get update exits 0 even when nothing could be fetched.
  apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1 || true
  if ! compgen -G "$apt_dir/lists/*_Packages*" >/dev/null; then
    why="could not fetch Debian sid's package index from $mirror (no network?):
$(grep -E '^(E|W|Err):' "$apt_dir/update.log" | head -n 3 | sed 's/^/vm:   | /')"
    return 1
  fi
  image=$(apt-cache "${apt_opts[@]}" depends "$meta" 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
  if [[ -z $image ]]; then
    why="$meta in Debian sid depends on no linux-image-<abi> package"
    return 1
  fi
  version=$(apt-cache "${apt_opts[@]}" show "$image" 2>/dev/null |
    sed -n 's/^Version: //p' | head -n 1)
  if [[ -z $version ]]; then
    why="Debian sid has no version of $image"
    return 1
  fi
  key=${image#linux-image-}_$version
}

# Downloads and unpacks the kernel package and the parts of it that hold
# vmlinuz and config (linux-binary-<abi>, linux-base-<abi> in 7.x).
fetch_kernel() {
  local abi=${image#linux-image-}
  local dir=$cache/kernels/$key tmp=$cache/kernels/$key.partial
  rm -rf "$tmp"
  mkdir -p "$tmp/debs" "$tmp/root"
  local pkgs=("$image=$version") dep
  for dep in $(apt-cache "${apt_opts[@]}" depends "$image" 2>/dev/null |
    sed -n "s/^ *Depends: \(linux-\(binary\|base\)-$abi\)$/\1/p"); do
    pkgs+=("$dep=$version")
  done
  if ! (cd "$tmp/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}") >"$tmp/download.log" 2>&1; then
    why="could not download ${pkgs[*]} from $mirror:
$(grep -E '^(E|W|Err):' "$tmp/download.log" | head -n 3 | sed 's/^/vm:   | /')"
    return 1
  fi
  local deb vmlinuz config
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  vmlinuz=$(find "$tmp/root" -type f \( -name vmlinuz -o -name "vmlinuz-$abi" \) | head -n 1)
  config=$(find "$tmp/root" -type f \( -path "*/modules/$abi/config" -o -name "config-$abi" \) | head -n 1)
  if [[ -z $vmlinuz ]]; then
    why="no vmlinuz in ${pkgs[*]}"
    return 1
  fi
  mkdir -p "$dir"
  cp "$vmlinuz" "$dir/vmlinuz"
  [[ -z $config ]] || cp "$config" "$dir/config"
  echo "$image $version" >"$dir/package"
  rm -rf "$tmp"
}

kernel_dir=""
if [[ -n ${SKEL_VM_KERNEL:-} ]]; then
  [[ -f $SKEL_VM_KERNEL ]] || unavailable "SKEL_VM_KERNEL=$SKEL_VM_KERNEL does not exist"
  vmlinuz=$SKEL_VM_KERNEL
  kernel_name=$SKEL_VM_KERNEL
else
  command -v apt-get >/dev/null || unavailable "no apt-get to fetch the kernel with"
  command -v dpkg-deb >/dev/null || unavailable "no dpkg-deb to unpack the kernel with"
  mkdir -p "$cache/kernels"
  resolved=$cache/resolved # "<key> <image> <version>" of the last lookup
  current=""
  if [[ -f $resolved ]]; then
    read -r key _ _ <"$resolved" || true
    [[ -f $cache/kernels/$key/vmlinuz ]] && current=$key
  fi
  stale=1
  if [[ -n $current && ${SKEL_VM_REFRESH:-} != 1 ]] &&
    [[ -z $(find "$resolved" -mtime "+$((refresh_days - 1))") ]]; then
    stale=0
  fi
  if ((stale)); then
    apt_setup
    say "looking up $meta in Debian sid ($mirror)"
    if resolve_kernel; then
      if [[ ! -f $cache/kernels/$key/vmlinuz ]]; then
        say "downloading $image $version into $cache/kernels/$key"
        fetch_kernel || unavailable "$why"
        # Keep only this kernel.
        for old in "$cache"/kernels/*; do
          [[ $old == "$cache/kernels/$key" ]] || rm -rf "$old"
        done
      fi
      echo "$key $image $version" >"$resolved"
      current=$key
      # The sid index (~25 MB) is only needed for the next weekly lookup.
      rm -rf "$apt_dir/lists" "$apt_dir/cache"
    elif [[ -n $current ]]; then
      say "$why"
      say "using the cached kernel $current; will look again in $refresh_days days"
      touch "$resolved"
    else
      unavailable "$why"
    fi
  fi
  kernel_dir=$cache/kernels/$current
  vmlinuz=$kernel_dir/vmlinuz
  kernel_name=$(cat "$kernel_dir/package")
  if [[ -f $kernel_dir/config ]]; then
    grep -q '^CONFIG_SCHED_CLASS_EXT=y' "$kernel_dir/config" ||
      unavailable "$kernel_name has no sched_ext (CONFIG_SCHED_CLASS_EXT)"
    grep -q '^CONFIG_DEBUG_INFO_BTF=y' "$kernel_dir/config" ||
      unavailable "$kernel_name has no BTF (CONFIG_DEBUG_INFO_BTF)"
  fi
fi

# --- the guest kernel's BTF --------------------------------------------------
# The guest's scheduler is built against a vmlinux.h that skel-builder prints
# from the booted kernel's own BTF: the .BTF section of the ELF inside its
# vmlinuz (zstd-compressed in Debian's kernels; it matches the guest's
# /sys/kernel/btf/vmlinux byte for byte).
extract_btf() { # <vmlinuz> <out>; sets why on failure
  local off
  off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$1" | head -n 1 | cut -d: -f1 || true)
  if [[ -z $off ]]; then
    why="no zstd-compressed kernel found in $1 (give its BTF in SKEL_VM_BTF)"
    return 1
  fi
  # zstd stops with an error at the data after the frame; the ELF is whole.
  tail -c "+$((off + 1))" "$1" | zstd -dcq >"$2.elf" 2>/dev/null || true
  if ! objcopy -O binary --only-section=.BTF "$2.elf" "$2.tmp" 2>"$2.log" || [[ ! -s $2.tmp ]]; then
    why="no .BTF section in the kernel inside $1: $(head -c 300 "$2.log")"
    rm -f "$2.elf" "$2.tmp" "$2.log"
    return 1
  fi
  mv "$2.tmp" "$2"
  rm -f "$2.elf" "$2.log"
}

if [[ -n ${SKEL_VM_BTF:-} ]]; then
  [[ -f $SKEL_VM_BTF ]] || unavailable "SKEL_VM_BTF=$SKEL_VM_BTF does not exist"
  btf=$SKEL_VM_BTF
else
  if [[ -n $kernel_dir ]]; then
    btf=$kernel_dir/vmlinux.btf
  else
    btf=$cache/custom-kernel.btf
    rm -f "$btf"
  fi
  if [[ ! -s $btf || $btf -ot $vmlinuz ]]; then
    mkdir -p "$(dirname "$btf")"
    extract_btf "$vmlinuz" "$btf" || fail "cannot take the BTF of $kernel_name: $why"
  fi
fi
say "guest kernel BTF: $btf ($(stat -c %s "$btf") bytes); the guest scheduler includes a vmlinux.h printed from it"

# --- guest programs --------------------------------------------------------
# With SKEL_VM_BTF set, the tests crate's build script builds the
# schedulers of tests/bpf-vm/ (in place of their tests/bpf/ versions)
# against a vmlinux.h printed from the guest kernel's BTF. Each guest
# program runs in turn and ends with its own DONE line.
guests=(scx_guest scx_guest_assoc)
bin_args=()
for g in "${guests[@]}"; do bin_args+=(--bin "$g"); done
(cd "$repo" && SKEL_VM_BTF=$btf "$cargo" build -p skel-tests "${bin_args[@]}" --quiet) ||
  fail "cargo build of the guest programs failed"
target_dir=$(cd "$repo" && "$cargo" metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
for g in "${guests[@]}"; do
  [[ -x $target_dir/debug/$g ]] || fail "no guest program at $target_dir/debug/$g after the build"
done

# --- initramfs -------------------------------------------------------------
work=$target_dir/skel-vm
rm -rf "$work"
root=$work/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$root/bin/busybox"
for g in "${guests[@]}"; do
  guest=$target_dir/debug/$g
  if command -v strip >/dev/null; then
    strip -o "$root/$g" "$guest"
  else
    cp "$guest" "$root/$g"
  fi
  # The guest program's shared libraries and loader, at the paths ldd names.
  for lib in $(ldd "$guest" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
done
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo
echo "skel-vm: guest up, kernel $(uname -r)"
EOF
for g in "${guests[@]}"; do
  printf '/%s\necho "skel-vm: EXIT $?"\n' "$g" >>"$root/init"
done
echo "poweroff -f" >>"$root/init"
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$work/initrd.gz"

# --- boot ------------------------------------------------------------------
# Single-threaded TCG: KVM fails here (qemu aborts on an MSR), and multi-threaded
# TCG crashed the guest in 3 of 17 runs. See vm/README.md.
log=$work/console.log
say "booting $kernel_name (qemu TCG, limit ${timeout_s}s)"
boot_started=$SECONDS
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 \
  -accel tcg,thread=single -cpu max -m 1024 -smp 2 \
  -nographic -no-reboot -nic none \
  -kernel "$vmlinuz" -initrd "$work/initrd.gz" \
  -append "console=ttyS0 quiet panic=-1" </dev/null 2>&1 |
  # Plain lines: no CRs or terminal escapes; a marker starts its line.
  sed -u 's/\r$//; s/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/^.*\(skel-vm: \)/\1/' |
  tee "$log" |
  sed -u -n 's/^skel-vm: \(PASS\|FAIL\)/vm: guest: \1/p'
qemu_status=${PIPESTATUS[0]}
set -e
boot_secs=$((SECONDS - boot_started))

show_console() {
  say "last console lines ($log):"
  tail -n "${1:-25}" "$log" | sed 's/^/vm:   | /'
}

if ((qemu_status == 124 || qemu_status == 137)); then
  show_console
  fail "the guest did not finish within ${timeout_s}s; qemu was killed (raise SKEL_VM_TIMEOUT if the machine is just slow)"
fi
if ((qemu_status != 0)); then
  show_console
  fail "qemu exited with status $qemu_status"
fi
if ! grep -q '^skel-vm: guest up' "$log"; then
  show_console
  fail "the guest never reached /init"
fi
mapfile -t done_lines < <(grep '^skel-vm: DONE ' "$log" || true)
if ((${#done_lines[@]} != ${#guests[@]})); then
  show_console 40
  fail "${#done_lines[@]} of ${#guests[@]} guest programs (${guests[*]}) finished their checks"
fi
passed=0
failed=0
for line in "${done_lines[@]}"; do
  read -r _ _ p f <<<"$line"
  passed=$((passed + p))
  failed=$((failed + f))
done
if ((failed != 0 || passed == 0)); then
  fail "$failed of $((passed + failed)) guest checks failed on $kernel_name (console: $log)"
fi
say "PASS: all $passed guest checks passed on $kernel_name (boot and checks ${boot_secs}s, total $((SECONDS - started))s)"
