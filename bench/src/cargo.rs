//! What a build did, read back from `cargo build -v` logs and from
//! `cargo build --timings` reports.

use std::path::{Path, PathBuf};

use crate::Result;
use crate::scratch::Crate;

/// Whether the crate's own build script ran, from a `cargo build -v` log
/// (cargo prints ``Running `<target>/debug/build/<package>-<hash>/build-script-build` ``).
pub fn build_script_ran(log: &str, krate: &Crate) -> bool {
    let dir = format!("/build/{}-", krate.package);
    log.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("Running `") && l.contains(&dir) && l.ends_with("/build-script-build`")
    })
}

/// The rustc cargo ran for the crate's binary and the `--extern` and `-L`
/// arguments it gave, from a `cargo build -v` log where it was compiled.
pub fn crate_rustc(log: &str, krate: &Crate) -> Option<(String, Vec<String>)> {
    let marker = format!("--crate-name {} ", krate.crate_name);
    let line = log
        .lines()
        .map(str::trim_start)
        .find(|l| l.starts_with("Running `") && l.contains(&marker) && l.contains("src/main.rs"))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let rustc = words.get(1)?.trim_start_matches('`').to_owned();
    let mut args = Vec::new();
    for pair in words.windows(2) {
        if pair[0] == "--extern" || pair[0] == "-L" {
            args.push(pair[0].to_owned());
            args.push(pair[1].trim_end_matches('`').trim_matches('\'').to_owned());
        }
    }
    Some((rustc, args))
}

/// One unit of a `--timings` report.
#[derive(Debug, Clone)]
pub struct Unit {
    pub name: String,
    /// Cargo's description: "", " build-script", " build-script (run)",
    /// " \"bin\"", ...
    pub target: String,
    pub duration: f64,
}

impl Unit {
    pub fn is_build_script_run(&self) -> bool {
        self.target.contains("build-script (run)")
    }
}

/// The units of the newest `--timings` report under the target directory.
pub fn timings(target_dir: &Path) -> Result<Vec<Unit>> {
    let dir = target_dir.join("cargo-timings");
    let newest: Option<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("cargo-timing-") && n.ends_with(".html"))
        })
        .max();
    let path = newest.ok_or_else(|| format!("no timing report in {}", dir.display()))?;
    let html =
        std::fs::read_to_string(&path).map_err(|e| format!("read {}: {e}", path.display()))?;
    const MARK: &str = "const UNIT_DATA = ";
    let start = html.find(MARK).ok_or_else(|| {
        format!(
            "{}: no UNIT_DATA (cargo's report format changed?)",
            path.display()
        )
    })?;
    let mut values = serde_json::Deserializer::from_str(&html[start + MARK.len()..])
        .into_iter::<serde_json::Value>();
    let data = values
        .next()
        .ok_or("empty UNIT_DATA")?
        .map_err(|e| format!("{}: UNIT_DATA: {e}", path.display()))?;
    let units = data.as_array().ok_or("UNIT_DATA is not an array")?;
    Ok(units
        .iter()
        .map(|u| Unit {
            name: u["name"].as_str().unwrap_or_default().to_owned(),
            target: u["target"].as_str().unwrap_or_default().to_owned(),
            duration: u["duration"].as_f64().unwrap_or_default(),
        })
        .collect())
}

/// The generated skeleton of a built crate: `<target>/debug/build/<package>-*/out/<name>.skel.rs`
/// (the newest, if cargo left several).
pub fn skeleton_path(krate: &Crate, name: &str) -> Result<PathBuf> {
    let build = krate.target_dir.join("debug/build");
    let prefix = format!("{}-", krate.package);
    std::fs::read_dir(&build)
        .map_err(|e| format!("read {}: {e}", build.display()))?
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .map(|e| e.path().join("out").join(format!("{name}.skel.rs")))
        .filter(|p| p.is_file())
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("no {name}.skel.rs under {}", build.display()).into())
}
