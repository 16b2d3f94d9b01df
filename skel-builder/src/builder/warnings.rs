//! The warnings' text: what `build()` prints as `cargo:warning` lines and
//! [`Built::warnings`](super::Built::warnings) holds.

use super::build::manifest_relative;
use super::*;

/// How many warnings of one kind are shown before a count of the rest.
const SHOWN: usize = 20;

pub(super) fn old_clang_warning(clang: &Path, version: clang::ClangVersion) -> String {
    format!(
        "skel: clang {version} (`{}`) writes wrong BTF: 64-bit enum values truncated to 32 \
         bits, signed ones as unsigned, and no type tags (`__kptr`), so generated enum \
         constants can be wrong and kptr fields fail the verifier; install clang {} or newer \
         (Debian 12: `apt-get install clang-19`): skel-builder runs the newest `clang-N` on \
         PATH, or `$CLANG`",
        clang.display(),
        clang::GOOD_BTF_MAJOR,
    )
}

/// clang's warnings as `file:line: message`, paths under the crate shown
/// relative to it, at most [`SHOWN`] then a count.
pub(super) fn clang_warnings(warnings: &[ClangWarning]) -> Vec<String> {
    let mut out: Vec<String> = warnings
        .iter()
        .take(SHOWN)
        .map(|w| {
            let location = match w.location.rsplit_once(':') {
                Some((file, line)) if Path::new(file).is_absolute() => {
                    format!("{}:{line}", manifest_relative(Path::new(file)))
                }
                _ => w.location.clone(),
            };
            format!("{location}: {}", w.message)
        })
        .collect();
    if warnings.len() > SHOWN {
        out.push(format!(
            "skel: ... and {} more clang warnings",
            warnings.len() - SHOWN
        ));
    }
    out
}

/// One warning for an object without BTF that has something in it.
pub(super) fn no_btf_warning(object_path: &Path, skeleton: &Skeleton) -> Option<String> {
    if skeleton.maps.is_empty() && skeleton.progs.is_empty() {
        return None;
    }
    let sections: Vec<String> = skeleton
        .maps
        .iter()
        .filter_map(|m| match &m.kind {
            MapKind::Data { section, .. } => Some(format!("`{section}`")),
            _ => None,
        })
        .collect();
    let views = if sections.is_empty() {
        String::new()
    } else {
        format!(
            "data sections {} are maps without typed views, and ",
            sections.join(", ")
        )
    };
    Some(format!(
        "skel: `{}` has no .BTF section: {views}the kernel gets no BTF with its programs; \
         compile with `-g` (and do not strip .BTF) to have them",
        object_path.display()
    ))
}

/// Each fallback as a warning (at most [`SHOWN`], then a count).
pub(super) fn fallback_warnings(warnings: &[Warning]) -> Vec<String> {
    let mut out: Vec<String> = warnings
        .iter()
        .take(SHOWN)
        .map(|w| {
            format!(
                "skel: `{}`, member `{}` kept as bytes: {}",
                w.type_name, w.field, w.reason
            )
        })
        .collect();
    if warnings.len() > SHOWN {
        out.push(format!(
            "skel: ... and {} more members kept as bytes (see the generated docs)",
            warnings.len() - SHOWN
        ));
    }
    out
}

/// Where warnings go: the [`Built`] returned, and from `build()`
/// `cargo:warning` lines too.
pub(super) struct Sink {
    pub(super) cargo: bool,
    pub(super) lines: Vec<String>,
}

impl Sink {
    pub(super) fn cargo() -> Self {
        Sink {
            cargo: true,
            lines: vec![],
        }
    }

    pub(super) fn collect() -> Self {
        Sink {
            cargo: false,
            lines: vec![],
        }
    }

    pub(super) fn warn(&mut self, line: String) {
        // One warning, one line: cargo reads its output line by line.
        let line = line.replace(['\n', '\r'], " ");
        if self.cargo {
            println!("cargo:warning={line}");
        }
        self.lines.push(line);
    }
}
