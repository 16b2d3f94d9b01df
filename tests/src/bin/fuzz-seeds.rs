//! Writes the fuzzer's seed corpus into the directory given: every fixture
//! object built from `bpf/*.bpf.c` (by this crate's build script, with the
//! builder's clang flags) and every malformed case.
//!
//! `make fuzz` runs it; by hand: `cargo run -p skel-tests --bin fuzz-seeds -- DIR`.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args_os().nth(1).ok_or("usage: fuzz-seeds DIR")?);
    std::fs::create_dir_all(&dir)?;
    let mut written = 0;
    for (_, object) in skel_tests::fixtures() {
        let name = object.file_name().ok_or("fixture without a file name")?;
        std::fs::copy(&object, dir.join(name))?;
        written += 1;
    }
    for case in skel_tests::malformed::cases() {
        std::fs::write(dir.join(case.name), &case.bytes)?;
        written += 1;
    }
    std::fs::write(dir.join("valid"), skel_tests::malformed::valid())?;
    println!("fuzz-seeds: {} inputs in {}", written + 1, dir.display());
    Ok(())
}
