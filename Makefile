# The two commands a fresh Debian 12 machine needs:
#   make demo   installs what is missing, builds, runs the example app
#   make test   installs what is missing, then runs every test
# `make bench` compares skel with libbpf-cargo (bench/RESULTS.md); it is not
# part of `make test` or CI.
#   make fuzz   fuzzes skel-builder, FUZZ_SECONDS (300) per target; see fuzz/README.md
# CI runs `SKEL_REQUIRE_KERNEL=1 make test` (.ci/run): kernel tests must run.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all deps deps-vm deps-bench demo test test-host package test-vm lint miri bench fuzz clean

all: test

deps:
	@scripts/install-deps.sh

deps-vm:
	@scripts/install-deps.sh --vm

deps-bench:
	@scripts/install-deps.sh --bench

# A dev build: it shares its artifacts with `make test`, and from a fresh
# clone it builds in about 25 s here, where --release took over a minute.
demo: deps
	$(CARGO) build -p example-app
	./target/debug/example-app demo

# The workspace build turns on skel-runtime's `libbpf-rs` feature (the
# tests crate and example-app use it); `-p skel-runtime` alone resolves
# only its own default features, so the runtime is also linted, tested
# (test-host) and documented as users get it by default, without libbpf-rs.
lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) clippy -p skel-runtime --all-targets -- -D warnings
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc --workspace --no-deps
	RUSTDOCFLAGS=-Dwarnings $(CARGO) doc -p skel-runtime --no-deps

test-host: deps
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc
	$(CARGO) test -p skel-runtime --all-targets

# The published crates (skel-btf, skel-builder, skel-runtime) packaged with
# `cargo package` and built from the .crate files alone in a scratch
# workspace, with a user crate that generates and opens a skeleton
# (scripts/check-package.sh). Its own target dir, target/check-package:
# about 2 minutes cold here (libbpf-sys compiles libbpf), 10-15 s warm.
package: deps
	@scripts/check-package.sh

test: lint test-host package test-vm
	@scripts/check-clean-tree.sh

test-vm: deps-vm
	@vm/run.sh

# skel-runtime's unit tests under Miri (nightly with the miri component:
# `rustup toolchain install nightly --component miri`), which checks the
# unsafe code they reach for undefined behaviour: the live views' volatile
# accessors over memory of the test's own, the event trampolines and the
# heap slots libbpf's callbacks reach, the plain and layout helpers, the
# BTF reader. Miri cannot call foreign functions, so it checks nothing
# that calls libbpf-sys or the kernel: opening and loading objects, typed
# views over libbpf's buffers (Section, the cores), map and program
# handles, links, ring and perf buffer polling, libbpf's print callback.
# Those tests, and the ones comparing strerror's text (Miri words it its
# own way), are skipped with `cfg_attr(miri, ignore)`. Isolation is off:
# the BTF reader's tests read files they write. 83 s here (2026-12-06,
# 49 tests run, 6 skipped). Not part of `make test`: `make deps` installs
# no nightly toolchain.
miri:
	MIRIFLAGS="-Zmiri-disable-isolation $(MIRIFLAGS)" $(CARGO) +nightly miri test -p skel-runtime --lib

FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= generate btf

# Each target for FUZZ_SECONDS. Stable Rust: no sanitizer (see
# fuzz/README.md); debug assertions on.
fuzz: deps
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	$(CARGO) run -q -p skel-tests --bin fuzz-seeds -- fuzz/seeds
	set -e; cd fuzz; for t in $(FUZZ_TARGETS); do \
		mkdir -p corpus/$$t; \
		$(CARGO) fuzz run --sanitizer none --release --debug-assertions \
			$$t corpus/$$t seeds/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=65536 -print_final_stats=1; \
	done

# About 25 minutes on 2 CPUs. Options: make bench BENCH_ARGS="--runs 3 --only large"
# (see bench/src/main.rs).
bench: deps-bench
	cd bench && $(CARGO) run --release -- $(BENCH_ARGS)

clean:
	$(CARGO) clean
