//! Writes the fuzzers' seed corpora under the directory given:
//! - `generate/`: every fixture object built from `bpf/*.bpf.c` (by this
//!   crate's build script, with the builder's clang flags), every
//!   malformed case, and a valid hand-written object;
//! - `btf/`: the `.BTF` section of each of those.
//!
//! `make fuzz` runs it; by hand: `cargo run -p skel-tests --bin fuzz-seeds -- DIR`.

use std::path::PathBuf;

use skel_builder::testing::btf_section;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args_os().nth(1).ok_or("usage: fuzz-seeds DIR")?);
    let mut objects: Vec<(String, Vec<u8>)> = vec![];
    for (_, object) in skel_tests::fixtures() {
        let name = object
            .file_name()
            .ok_or("fixture without a file name")?
            .to_string_lossy()
            .into_owned();
        objects.push((name, std::fs::read(&object)?));
    }
    for case in skel_tests::malformed::cases() {
        objects.push((case.name.to_owned(), case.bytes));
    }
    objects.push(("valid".to_owned(), skel_tests::malformed::valid()));

    let (whole, btf) = (dir.join("generate"), dir.join("btf"));
    std::fs::create_dir_all(&whole)?;
    std::fs::create_dir_all(&btf)?;
    let mut btf_seeds = 0;
    for (name, bytes) in &objects {
        std::fs::write(whole.join(name), bytes)?;
        if let Some(section) = btf_section(bytes) {
            std::fs::write(btf.join(name), section)?;
            btf_seeds += 1;
        }
    }
    println!(
        "fuzz-seeds: {} objects in {}, {btf_seeds} BTF sections in {}",
        objects.len(),
        whole.display(),
        btf.display()
    );
    Ok(())
}
