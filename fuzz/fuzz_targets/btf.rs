//! Arbitrary bytes as the `.BTF` section of an object laid out around it
//! the way clang would (see `skel_fuzz::object_around_btf`): mutations land
//! in BTF, the model and codegen instead of being refused by the ELF reader.
#![no_main]

#[global_allocator]
static ALLOC: skel_fuzz::Counting = skel_fuzz::Counting;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let object = skel_fuzz::object_around_btf(data);
    skel_fuzz::run(data.len(), &object);
});
