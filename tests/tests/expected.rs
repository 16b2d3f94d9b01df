//! Expectation tests: the skeleton generated for each fixture is kept in
//! `tests/expected/<name>.skel.rs`, so every change to generated code shows
//! up as a reviewed diff. The same code is compiled by this crate (the
//! build script generates it into OUT_DIR and `src/lib.rs` includes it).
//!
//! Bless with `UPDATE_EXPECT=1 cargo test -p skel-tests --test expected`.

use std::path::{Path, PathBuf};

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("expected")
}

#[test]
fn generated_code_matches_expectations() {
    let update = std::env::var("UPDATE_EXPECT").is_ok_and(|v| v == "1");
    let mut failures = vec![];
    for (_, object) in skel_tests::fixtures() {
        let generated_path = object.with_extension("").with_extension("skel.rs");
        let generated = std::fs::read_to_string(&generated_path).unwrap();
        let name = generated_path.file_name().unwrap();
        let expected_path = expected_dir().join(name);
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if generated == expected {
            continue;
        }
        if update {
            std::fs::create_dir_all(expected_dir()).unwrap();
            std::fs::write(&expected_path, &generated).unwrap();
            continue;
        }
        failures.push(format!(
            "{}:\n{}",
            expected_path.display(),
            diff(&expected, &generated)
        ));
    }
    assert!(
        failures.is_empty(),
        "generated code differs from the expectations:\n\n{}\n\
         If the change is intended, bless it with:\n    UPDATE_EXPECT=1 cargo test -p skel-tests --test expected",
        failures.join("\n")
    );
}

/// The differing lines, with line numbers (at most 40).
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let mut out = vec![];
    for i in 0..e.len().max(a.len()) {
        match (e.get(i), a.get(i)) {
            (Some(x), Some(y)) if x == y => {}
            (x, y) => {
                if let Some(x) = x {
                    out.push(format!("{:5} - {x}", i + 1));
                }
                if let Some(y) = y {
                    out.push(format!("{:5} + {y}", i + 1));
                }
            }
        }
        if out.len() >= 40 {
            out.push("      ...".to_owned());
            break;
        }
    }
    out.join("\n")
}
