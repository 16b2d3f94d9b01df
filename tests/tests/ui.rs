//! Compile-fail tests: each safety promise of generated skeletons is a
//! program that must not compile. Re-bless with TRYBUILD=overwrite.

#[test]
fn safety_promises() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
