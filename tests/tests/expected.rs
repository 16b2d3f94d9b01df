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
        failures.push(diff(&expected_path, &expected, &generated_path, &generated));
    }
    assert!(
        failures.is_empty(),
        "generated code differs from the expectations:\n\n{}\n\
         If the change is intended, bless it with:\n    UPDATE_EXPECT=1 cargo test -p skel-tests --test expected",
        failures.join("\n")
    );
}

/// Most lines of diff shown per file.
const MAX_DIFF_LINES: usize = 400;

/// A unified diff (3 lines of context) from the expectation to the
/// generated code.
fn diff(expected_path: &Path, expected: &str, generated_path: &Path, generated: &str) -> String {
    let old = expected_path.display().to_string();
    let new = generated_path.display().to_string();
    let text = similar::TextDiff::from_lines(expected, generated)
        .unified_diff()
        .context_radius(3)
        .header(&old, &new)
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() <= MAX_DIFF_LINES {
        return text;
    }
    format!(
        "{}\n... ({} more lines of diff)\n",
        lines[..MAX_DIFF_LINES].join("\n"),
        lines.len() - MAX_DIFF_LINES
    )
}
