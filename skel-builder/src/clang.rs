//! The compile step: clang turns BPF C into an object and a depfile.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;

/// One clang invocation.
#[derive(Debug)]
pub struct Compile<'a> {
    pub clang: &'a Path,
    pub source: &'a Path,
    pub output: &'a Path,
    pub depfile: &'a Path,
    /// `__TARGET_ARCH_<arch>`, as bpf_tracing.h wants it (`x86`, `arm64`).
    pub target_arch: &'a str,
    /// `-I` directories, in order.
    pub includes: &'a [PathBuf],
    /// `-idirafter` directories (system headers, searched last).
    pub after_includes: &'a [PathBuf],
    /// Appended last.
    pub extra_args: &'a [OsString],
}

impl Compile<'_> {
    fn command(&self) -> Command {
        let mut cmd = Command::new(self.clang);
        cmd.args(["-g", "-O2", "-target", "bpf"])
            .arg(format!("-D__TARGET_ARCH_{}", self.target_arch));
        for dir in self.includes {
            cmd.arg("-I").arg(dir);
        }
        for dir in self.after_includes {
            cmd.arg("-idirafter").arg(dir);
        }
        cmd.arg("-MD")
            .arg("-MF")
            .arg(self.depfile)
            .arg("-c")
            .arg(self.source)
            .arg("-o")
            .arg(self.output)
            .args(self.extra_args);
        cmd
    }

    /// Runs clang; returns every file it read (source and headers).
    pub fn run(&self) -> Result<Vec<PathBuf>, Error> {
        let mut cmd = self.command();
        let shown = shell_words(&cmd);
        let out = cmd.output().map_err(|source| Error::ClangNotFound {
            clang: self.clang.to_owned(),
            source,
        })?;
        if !out.status.success() {
            return Err(Error::ClangFailed {
                source_file: self.source.to_owned(),
                command: shown,
                status: out.status.to_string(),
                stderr: String::from_utf8_lossy(&out.stderr).trim_end().to_owned(),
            });
        }
        let dep = std::fs::read_to_string(self.depfile).map_err(|source| Error::Io {
            action: "read clang's depfile",
            path: self.depfile.to_owned(),
            source,
        })?;
        Ok(parse_depfile(&dep))
    }
}

fn shell_words(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| {
            let a = a.to_string_lossy();
            if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "'\"$\\".contains(c)) {
                format!("'{}'", a.replace('\'', "'\\''"))
            } else {
                a.into_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The prerequisites of a Makefile-style depfile (`out.o: a.c b.h \`).
pub fn parse_depfile(text: &str) -> Vec<PathBuf> {
    let mut deps = vec![];
    let mut after_colon = false;
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    let flush = |word: &mut String, deps: &mut Vec<PathBuf>, after: bool| {
        if after && !word.is_empty() {
            deps.push(PathBuf::from(std::mem::take(word)));
        }
        word.clear();
    };
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some('\n') => {
                    chars.next();
                    flush(&mut word, &mut deps, after_colon);
                }
                Some('\r') => {
                    chars.next();
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    flush(&mut word, &mut deps, after_colon);
                }
                Some(' ') | Some('#') | Some('\\') => word.push(chars.next().unwrap_or(' ')),
                _ => word.push('\\'),
            },
            '$' if chars.peek() == Some(&'$') => {
                chars.next();
                word.push('$');
            }
            ':' if !after_colon
                && matches!(chars.peek(), Some(' ' | '\t' | '\n' | '\r') | None) =>
            {
                word.clear();
                after_colon = true;
            }
            ' ' | '\t' | '\n' | '\r' => flush(&mut word, &mut deps, after_colon),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut deps, after_colon);
    deps
}

/// `__TARGET_ARCH_*` for a Rust `target_arch`.
pub fn bpf_target_arch(rust_arch: &str) -> &str {
    match rust_arch {
        "x86_64" | "x86" => "x86",
        "aarch64" => "arm64",
        "arm" => "arm",
        "riscv64" => "riscv",
        "powerpc64" | "powerpc" => "powerpc",
        "s390x" => "s390",
        "loongarch64" => "loongarch",
        "mips" | "mips64" => "mips",
        "sparc64" => "sparc",
        other => other,
    }
}

/// The Debian/Ubuntu multiarch include directory for a Rust `target_arch`
/// (`/usr/include/x86_64-linux-gnu`, home of `asm/types.h`).
pub fn multiarch_include(rust_arch: &str) -> Option<PathBuf> {
    let triple = match rust_arch {
        "x86_64" => "x86_64-linux-gnu",
        "aarch64" => "aarch64-linux-gnu",
        "arm" => "arm-linux-gnueabihf",
        "riscv64" => "riscv64-linux-gnu",
        "powerpc64" => "powerpc64le-linux-gnu",
        "s390x" => "s390x-linux-gnu",
        "loongarch64" => "loongarch64-linux-gnu",
        _ => return None,
    };
    let dir = PathBuf::from("/usr/include").join(triple);
    dir.is_dir().then_some(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depfile() {
        let text = "out/foo.o: src/foo.bpf.c /usr/include/linux/bpf.h \\\n  my\\ dir/x.h inc/bpf/bpf_helpers.h\n";
        let deps = parse_depfile(text);
        assert_eq!(
            deps,
            vec![
                PathBuf::from("src/foo.bpf.c"),
                PathBuf::from("/usr/include/linux/bpf.h"),
                PathBuf::from("my dir/x.h"),
                PathBuf::from("inc/bpf/bpf_helpers.h"),
            ]
        );
        assert!(parse_depfile("").is_empty());
        assert_eq!(parse_depfile("c:\\x.o: a.c"), vec![PathBuf::from("a.c")]);
    }

    #[test]
    fn arch_names() {
        assert_eq!(bpf_target_arch("x86_64"), "x86");
        assert_eq!(bpf_target_arch("aarch64"), "arm64");
    }
}
