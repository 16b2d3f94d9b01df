#!/usr/bin/env bash
# The published crates (skel-btf, skel-builder, skel-runtime) build from
# their .crate files alone: `cargo package` each, unpack the three in a
# scratch workspace outside the repository (with a [patch.crates-io] to one
# another, as crates.io would resolve them), build them there, then build
# and run a user crate whose build.rs runs skel-builder on a small .bpf.c
# and whose main opens the skeleton. A file the packages leave out (a
# source, a header skel-runtime's build script passes on, a license) fails
# here, not after `cargo publish`.
#
# `cargo package --no-verify`: cargo's own verification builds each crate
# alone and again, our scratch build covers it. The scratch target dir is
# target/check-package (crates.io dependencies such as libbpf-sys stay
# built there), the workspace is $TMPDIR/skel-check-package-<uid>, and a
# crate is unpacked again only when its .crate changed. Cost here (2 CPUs):
# about 1m40s cold (libbpf-sys compiles libbpf), 5-10 s warm.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cargo=${CARGO:-cargo}
crates=(skel-btf skel-builder skel-runtime)
target=$root/target/check-package
scratch=${TMPDIR:-/tmp}/skel-check-package-$(id -u)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n1)

cd "$root"
args=()
for c in "${crates[@]}"; do args+=(-p "$c"); done
# --allow-dirty: `make test` runs on uncommitted work too; what is packaged
# is the working tree's files, which is what this checks.
"$cargo" package --quiet --no-verify --allow-dirty "${args[@]}"

if grep -q '^repository = "https://example.invalid/' Cargo.toml; then
  echo "check-package: note: repository is still the placeholder in Cargo.toml;" \
    "set the real one before cargo publish" >&2
fi

mkdir -p "$scratch/crates"
for c in "${crates[@]}"; do
  file=target/package/$c-$version.crate
  # Every package carries its licenses and README.
  listing=$(tar -tzf "$file")
  for f in LICENSE-MIT LICENSE-APACHE README.md Cargo.toml; do
    if ! grep -qx "$c-$version/$f" <<<"$listing"; then
      echo "check-package: $file lacks $f" >&2
      exit 1
    fi
  done
  sum=$(sha256sum "$file" | cut -d' ' -f1)
  if [[ "$(cat "$scratch/crates/$c.sha256" 2>/dev/null)" != "$sum" ]]; then
    rm -rf "$scratch/crates/$c-$version"
    tar -xzf "$file" -C "$scratch/crates"
    echo "$sum" >"$scratch/crates/$c.sha256"
  fi
done

# The user crate: what a crates.io user writes, with versions, no paths.
user=$scratch/user
mkdir -p "$user/src/bpf"
write() { # write FILE: stdin into FILE, only if it differs (keeps mtimes)
  local tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}
write "$scratch/Cargo.toml" <<EOF
[workspace]
resolver = "3"
members = [
  "crates/skel-btf-$version",
  "crates/skel-builder-$version",
  "crates/skel-runtime-$version",
  "user",
]

[patch.crates-io]
skel-btf = { path = "crates/skel-btf-$version" }
skel-builder = { path = "crates/skel-builder-$version" }
skel-runtime = { path = "crates/skel-runtime-$version" }
EOF
write "$user/Cargo.toml" <<EOF
[package]
name = "skel-package-user"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
skel-runtime = "$version"

[build-dependencies]
skel-builder = "$version"
EOF
write "$user/build.rs" <<'EOF'
fn main() -> Result<(), skel_builder::Error> {
    skel_builder::SkeletonBuilder::new()
        .source("src/bpf/counter.bpf.c")
        .build()?;
    Ok(())
}
EOF
write "$user/src/bpf/counter.bpf.c" <<'EOF'
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile __u32 step = 1;
__u64 calls;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getpid")
int count(void *ctx)
{
	calls += step;
	return 0;
}
EOF
write "$user/src/main.rs" <<'EOF'
mod counter {
    include!(concat!(env!("OUT_DIR"), "/counter.skel.rs"));
}

fn main() -> skel_runtime::Result<()> {
    let mut storage = skel_runtime::ObjectStorage::new();
    let mut open = counter::CounterSkelBuilder::default().open(&mut storage)?;
    open.maps_mut().rodata().step = 2;
    println!("opened counter: step {}", open.maps().rodata().step);
    Ok(())
}
EOF
# The repository's lock file: the scratch build uses the versions skel is
# tested with (cargo drops the entries it does not need).
if ! cmp -s Cargo.lock "$scratch/Cargo.lock.orig"; then
  cp Cargo.lock "$scratch/Cargo.lock"
  cp Cargo.lock "$scratch/Cargo.lock.orig"
fi

cd "$scratch"
export CARGO_TARGET_DIR=$target
# Every feature of the three (tokio, vmlinux-h, link, testing, writer),
# then the user crate with the defaults.
"$cargo" build --quiet "${args[@]}" --all-features
"$cargo" run --quiet -p skel-package-user
# A user's default build compiles no libbpf-rs: skel-runtime's `libbpf-rs`
# feature stays off unless asked for.
if "$cargo" tree --quiet -p skel-package-user -e normal | grep -q 'libbpf-rs'; then
  echo "check-package: the user crate's default build depends on libbpf-rs" >&2
  exit 1
fi
echo "check-package: ${crates[*]} build from their .crate files ($scratch)"
