//! Scratch crates built with the real cargo, for what only a real build
//! shows: what cargo prints from a build script, and skeletons that must
//! compile where a user puts them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

/// A crate written under a test's scratch directory, depending on this
/// workspace's skel-builder (build) and, if asked, skel-runtime.
pub struct ScratchCrate {
    pub dir: PathBuf,
    target: PathBuf,
    pub package: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_owned()
}

impl ScratchCrate {
    /// Writes `<root>/<package>/Cargo.toml` (and the workspace's lock file,
    /// so that `--offline` resolves what the workspace uses). Crates made
    /// under the same `root` share `<root>/target`, so skel-builder,
    /// libbpf-sys and the rest are built once.
    pub fn new(root: &Path, package: &str, runtime: bool) -> ScratchCrate {
        ScratchCrate::with_features(root, package, runtime, &[])
    }

    /// As [`ScratchCrate::new`], with skel-builder's `features` on.
    pub fn with_features(
        root: &Path,
        package: &str,
        runtime: bool,
        features: &[&str],
    ) -> ScratchCrate {
        let dir = root.join(package);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let runtime_dep = if runtime {
            format!(
                "skel-runtime = {{ path = {:?} }}\n",
                workspace().join("skel-runtime")
            )
        } else {
            String::new()
        };
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
                 publish = false\n\n[dependencies]\n{runtime_dep}\n\
                 [build-dependencies]\nskel-builder = {{ path = {:?}, features = {features:?} }}\n\n\
                 [workspace]\n",
                workspace().join("skel-builder")
            ),
        )
        .unwrap();
        std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        ScratchCrate {
            dir,
            target: root.join("target"),
            package: package.to_owned(),
        }
    }

    /// Sets the crate's edition (`2024` unless set).
    pub fn edition(&self, edition: &str) {
        let path = self.dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replacen("edition = \"2024\"", &format!("edition = \"{edition}\""), 1);
        std::fs::write(path, text).unwrap();
    }

    /// Writes a file of the crate (`build.rs`, `src/main.rs`, ...).
    pub fn write(&self, path: &str, text: &str) {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// `cargo <args> --offline` in the crate, with nothing inherited from
    /// the cargo running the tests (its target dir, its package's env).
    pub fn cargo(&self, args: &[&str]) -> Output {
        self.cargo_env(args, &[])
    }

    /// As [`ScratchCrate::cargo`], with environment variables set (for the
    /// build scripts cargo runs).
    pub fn cargo_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(args).arg("--offline").current_dir(&self.dir);
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy().into_owned();
            if key.starts_with("CARGO_") && key != "CARGO_HOME"
                || matches!(
                    key.as_str(),
                    "RUSTFLAGS"
                        | "OUT_DIR"
                        | "MAKEFLAGS"
                        | "MFLAGS"
                        | "SKEL_CLANG_ARGS"
                        | "SKEL_REGENERATE"
                )
            {
                cmd.env_remove(key);
            }
        }
        cmd.env("CARGO_TARGET_DIR", &self.target)
            .env("CARGO_TERM_COLOR", "never");
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.output().unwrap()
    }

    /// `cargo build -v`, which must succeed; whether it ran the crate's
    /// build script.
    pub fn build_ran_script(&self) -> bool {
        let out = self.cargo(&["build", "-v"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cargo build failed:\n{stderr}");
        stderr.lines().any(|l| {
            l.contains("Running") && l.contains("build-script-build") && l.contains(&self.package)
        })
    }

    /// The `OUT_DIR` of the crate's build script that holds `file`.
    pub fn out_dir_with(&self, file: &str) -> PathBuf {
        std::fs::read_dir(self.target.join("debug/build"))
            .unwrap()
            .map(|e| e.unwrap().path().join("out"))
            .find(|p| p.join(file).exists())
            .unwrap_or_else(|| panic!("no OUT_DIR holds {file}"))
    }

    /// The crate's debug binary.
    pub fn binary(&self) -> PathBuf {
        self.target.join("debug").join(&self.package)
    }
}

/// A file's modification time.
pub fn mtime(path: &Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}
