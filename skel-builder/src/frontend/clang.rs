//! The compile step: clang turns BPF C into an object and a depfile. Also
//! which clang to run (the newest `clang-N` on `PATH`), its version, and
//! the warnings it printed on a build that succeeded.

use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::Error;
use crate::target::Target;

/// One clang invocation.
#[derive(Debug)]
pub struct Compile<'a> {
    pub clang: &'a Path,
    pub source: &'a Path,
    pub output: &'a Path,
    pub depfile: &'a Path,
    /// The machine the object is for: `-target bpfel` or `bpfeb`, and
    /// `__TARGET_ARCH_<arch>` as bpf_tracing.h wants it (`x86`, `arm64`).
    pub target: &'a Target,
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
        // `-mcpu=v3` is clang 20's default; older clangs default to v1, which
        // cannot use an atomic's result and has no 32-bit jumps. Naming it
        // makes every clang from 15 up emit the same instruction set (the
        // kernel takes v3 since 5.1); a user's `-mcpu=` comes later and wins.
        cmd.args(["-g", "-O2", "-mcpu=v3", "-target", self.target.bpf_target()]);
        if let Some(arch) = self.target.bpf_arch() {
            cmd.arg(format!("-D__TARGET_ARCH_{arch}"));
        }
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

    /// Runs clang; returns every file it read (source and headers) and the
    /// warnings it printed.
    pub fn run(&self) -> Result<Compiled, Error> {
        let mut cmd = self.command();
        let shown = shell_words(&cmd);
        let out = cmd.output().map_err(|source| Error::ClangNotFound {
            clang: self.clang.to_owned(),
            source,
        })?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr).trim_end().to_owned();
            // bpf_tracing.h's register macros without `__TARGET_ARCH_`.
            let hint = (self.target.bpf_arch().is_none() && stderr.contains("__TARGET_ARCH_"))
                .then(|| {
                    format!(
                        "libbpf's bpf_tracing.h knows no registers for target architecture `{}`; \
                         build for one it knows (x86_64, aarch64, arm, riscv64, s390x, \
                         powerpc64, loongarch64, ...) or set `SkeletonBuilder::target`",
                        self.target.arch()
                    )
                });
            return Err(Error::ClangFailed {
                source_file: self.source.to_owned(),
                command: shown,
                status: out.status.to_string(),
                stderr,
                hint,
            });
        }
        let dep = std::fs::read_to_string(self.depfile).map_err(|source| Error::Io {
            action: "read clang's depfile",
            path: self.depfile.to_owned(),
            source,
        })?;
        Ok(Compiled {
            deps: parse_depfile(&dep),
            warnings: parse_warnings(&String::from_utf8_lossy(&out.stderr)),
        })
    }
}

/// What a successful clang run left behind besides the object.
#[derive(Debug)]
pub struct Compiled {
    /// Every file clang read: the source and each header.
    pub deps: Vec<PathBuf>,
    /// Its warnings, in order, repeats dropped.
    pub warnings: Vec<ClangWarning>,
}

/// One warning clang printed (`#warning` included).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClangWarning {
    /// The file and line (`src/foo.bpf.c:12`), or the program name for a
    /// warning about the command line (`clang`).
    pub location: String,
    /// The text after `warning: `, with clang's `[-Wflag]`.
    pub message: String,
}

/// The `warning:` lines of clang's stderr. The context lines clang prints
/// after each (source excerpt, caret, notes, "In file included from") are
/// not warnings and are left out; a warning repeated at the same place
/// (a header read twice, a macro expanded twice) is kept once.
pub fn parse_warnings(stderr: &str) -> Vec<ClangWarning> {
    let mut seen = HashSet::new();
    let mut out = vec![];
    for line in stderr.lines() {
        let Some((place, message)) = line.split_once(": warning: ") else {
            continue;
        };
        let location = match source_location(place) {
            Some((file, line)) => format!("{file}:{line}"),
            // `clang: warning: argument unused during compilation`.
            None if !place.contains(char::is_whitespace) => "clang".to_owned(),
            None => continue,
        };
        let w = ClangWarning {
            location,
            message: message.trim().to_owned(),
        };
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

/// `file:line:col` (or `file:line`) into `(file, line)`.
fn source_location(place: &str) -> Option<(&str, u32)> {
    let (rest, last) = place.rsplit_once(':')?;
    let last: u32 = last.parse().ok()?;
    if let Some((file, line)) = rest.rsplit_once(':')
        && let (false, Ok(line)) = (file.is_empty(), line.parse::<u32>())
    {
        return Some((file, line));
    }
    (!rest.is_empty()).then_some((rest, last))
}

/// A clang's version, from the first line of `clang --version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClangVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl std::fmt::Display for ClangVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The first major version whose BTF holds 64-bit and signed enum values
/// as written and keeps type tags (`__kptr`).
pub const GOOD_BTF_MAJOR: u32 = 15;

/// Runs `clang --version` (a few milliseconds): the version (`None` when
/// clang runs but its output names no version we can read) and the first
/// line of its output (`Debian clang version 19.1.7 (3~deb12u1)`).
pub fn version(clang: &Path) -> Result<(Option<ClangVersion>, String), Error> {
    let out = Command::new(clang)
        .arg("--version")
        .output()
        .map_err(|source| Error::ClangNotFound {
            clang: clang.to_owned(),
            source,
        })?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().next().unwrap_or_default().trim().to_owned();
    Ok((parse_version(&text), line))
}

/// `Debian clang version 14.0.6`, `clang version 19.1.7 (...)`,
/// `Ubuntu clang version 18.1.3 (1ubuntu1)`: the numbers after
/// `clang version `.
pub fn parse_version(text: &str) -> Option<ClangVersion> {
    let first = text.lines().next()?;
    let (_, rest) = first.split_once("clang version ")?;
    let number = rest
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()?;
    let mut parts = number.split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some(ClangVersion {
        major,
        minor,
        patch,
    })
}

/// The newest `clang-N` (`clang-19` over `clang-16`) among the executables
/// of the directories in `path` (a `PATH` value), by its file name.
pub fn newest_versioned(path: &OsStr) -> Option<PathBuf> {
    let mut best: Option<(u32, OsString)> = None;
    for dir in std::env::split_paths(path) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(n) = name
                .to_str()
                .and_then(|n| n.strip_prefix("clang-"))
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if best.as_ref().is_some_and(|(b, _)| *b >= n) || !is_executable(&entry.path()) {
                continue;
            }
            best = Some((n, name));
        }
    }
    best.map(|(_, name)| PathBuf::from(name))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
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

/// Where the kernel UAPI's `asm/` headers (`asm/types.h`) for `target`
/// are, for `-idirafter`: Debian's and Ubuntu's multiarch directory
/// (`/usr/include/s390x-linux-gnu`), else a cross toolchain's
/// (`/usr/s390x-linux-gnu/include`, from `libc6-dev-s390x-cross`), else
/// the host's multiarch directory (the types BPF programs take from
/// `asm/` are the same on every Linux architecture).
pub fn multiarch_include(target: &Target) -> Option<PathBuf> {
    let candidates = [
        target
            .multiarch()
            .map(|t| PathBuf::from("/usr/include").join(t)),
        // Debian's i386 cross toolchain is named after i686.
        target
            .multiarch()
            .map(|t| {
                if t == "i386-linux-gnu" {
                    "i686-linux-gnu"
                } else {
                    t
                }
            })
            .map(|t| PathBuf::from("/usr").join(t).join("include")),
        Target::host()
            .multiarch()
            .map(|t| PathBuf::from("/usr/include").join(t)),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|dir| dir.join("asm").is_dir())
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
    fn versions() {
        let v = |text| parse_version(text).map(|v| v.to_string());
        assert_eq!(
            v("Debian clang version 14.0.6\nTarget: x86_64-pc-linux-gnu\n").as_deref(),
            Some("14.0.6")
        );
        assert_eq!(
            v("Debian clang version 19.1.7 (3~deb12u1)\n").as_deref(),
            Some("19.1.7")
        );
        assert_eq!(
            v("clang version 18.0.0git (https://github.com/llvm/llvm-project abc)").as_deref(),
            Some("18.0.0")
        );
        assert_eq!(
            v("Ubuntu clang version 18.1.3 (1ubuntu1)").as_deref(),
            Some("18.1.3")
        );
        assert_eq!(v("gcc (Debian 12.2.0-14) 12.2.0"), None);
        assert_eq!(v(""), None);
        assert!(parse_version("clang version 14.0.6").unwrap().major < GOOD_BTF_MAJOR);
    }

    #[test]
    fn warnings() {
        let stderr = "\
In file included from /src/foo.bpf.c:3:
/src/foo.h:2:2: warning: from the header [-W#warnings]
    2 | #warning from the header
      |  ^
/src/foo.bpf.c:7:9: warning: unused variable 'x' [-Wunused-variable]
    7 |         int x;
      |             ^
/src/foo.bpf.c:9:1: note: expanded from here
/src/foo.h:2:2: warning: from the header [-W#warnings]
clang: warning: argument unused during compilation: '-pthread' [-Wunused-command-line-argument]
2 warnings generated.
";
        let got: Vec<String> = parse_warnings(stderr)
            .into_iter()
            .map(|w| format!("{}: {}", w.location, w.message))
            .collect();
        assert_eq!(
            got,
            [
                "/src/foo.h:2: from the header [-W#warnings]",
                "/src/foo.bpf.c:7: unused variable 'x' [-Wunused-variable]",
                "clang: argument unused during compilation: '-pthread' [-Wunused-command-line-argument]",
            ]
        );
        assert!(parse_warnings("").is_empty());
        assert!(parse_warnings("1 error generated.\n").is_empty());
    }

    #[test]
    fn newest_clang_on_path() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = std::env::temp_dir().join(format!("skel-clang-path-{}", std::process::id()));
        let (a, b) = (root.join("a"), root.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let touch = |p: PathBuf, mode: u32| {
            std::fs::write(&p, "").unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        touch(a.join("clang-14"), 0o755);
        touch(a.join("clang-cpp-99"), 0o755);
        touch(b.join("clang-16"), 0o755);
        touch(b.join("clang-18"), 0o644); // not executable
        touch(b.join("clang-19.bak"), 0o755);
        let path = std::env::join_paths([&a, &root.join("missing"), &b]).unwrap();
        assert_eq!(newest_versioned(&path), Some(PathBuf::from("clang-16")));
        let only_a = std::env::join_paths([&a]).unwrap();
        assert_eq!(newest_versioned(&only_a), Some(PathBuf::from("clang-14")));
        assert_eq!(newest_versioned(OsStr::new("")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
