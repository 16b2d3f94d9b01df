//! What is wrong with the symbols of objects to link (what
//! `frontend::link` finds).

use std::path::PathBuf;

/// What is wrong with the symbols of a set of objects. All are reported at
/// once.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkProblem {
    /// A global symbol defined (not `__weak`) in more than one file.
    Duplicate {
        /// The symbol's name.
        symbol: String,
        /// The files defining it, as the build script named them.
        files: Vec<PathBuf>,
    },

    /// A symbol used but defined in none of the files, and not an extern
    /// libbpf resolves (`__ksym`, `__kconfig`).
    Undefined {
        /// The symbol's name.
        symbol: String,
        /// The files using it, as the build script named them.
        files: Vec<PathBuf>,
    },
}

impl std::fmt::Display for LinkProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Duplicate { symbol, files } => write!(
                f,
                "symbol `{symbol}` is defined in {}; define it in one file and declare it `extern` \
                 (in a shared header) in the others, or mark all but one `__weak`",
                files_list(files)
            ),
            Self::Undefined { symbol, files } => write!(
                f,
                "symbol `{symbol}` is used in {} but defined in no file given; add the file that \
                 defines it, or mark a kernel symbol `__ksym` (a Kconfig value `__kconfig`)",
                files_list(files)
            ),
        }
    }
}

impl std::error::Error for LinkProblem {}

pub(crate) fn files_list(files: &[PathBuf]) -> String {
    let quoted: Vec<String> = files.iter().map(|f| format!("`{}`", f.display())).collect();
    match quoted.as_slice() {
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        [] => "no file".to_owned(),
    }
}
