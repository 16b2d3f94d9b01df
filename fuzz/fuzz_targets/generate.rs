//! Arbitrary bytes as a whole object, through everything the builder does
//! after clang: ELF reading, BTF parsing, the skeleton model, codegen and
//! prettyplease. The checks are in `src/lib.rs`.
#![no_main]

#[global_allocator]
static ALLOC: skel_fuzz::Counting = skel_fuzz::Counting;

libfuzzer_sys::fuzz_target!(|data: &[u8]| skel_fuzz::run(data.len(), data));
