//! Packagers' overrides, through real cargo builds of a scratch crate:
//! `SKEL_CLANG_ARGS` adds to skel's flags and the build script's
//! `.clang_args` (replacing neither), `CLANG` picks the clang, and changing
//! either reruns the build script.

use std::path::Path;

use skel_tests::scratch::ScratchCrate;

fn ran_script(out: &std::process::Output, package: &str) -> bool {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .any(|l| l.contains("Running") && l.contains("build-script-build") && l.contains(package))
}

#[test]
fn env_flags_add_to_the_build_scripts_and_clang_comes_from_clang() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch");
    let c = ScratchCrate::new(&root, "clang_env_probe", false);
    c.write("src/main.rs", "fn main() {}\n");
    c.write(
        "build.rs",
        "fn main() {\n    skel_builder::SkeletonBuilder::new()\n        \
         .source(\"src/bpf/envprobe.bpf.c\")\n        .clang_args([\"-DFROM_BUILD_SCRIPT=1\"])\n        \
         .build()\n        .unwrap();\n}\n",
    );
    // Needs the build script's flag and the environment's, and -O2 (skel's
    // own) still on: `__OPTIMIZE__` is defined only when optimizing.
    c.write(
        "src/bpf/envprobe.bpf.c",
        "#ifndef FROM_BUILD_SCRIPT\n#error the build script's flag is missing\n#endif\n\
         #ifndef FROM_ENV\n#error SKEL_CLANG_ARGS did not reach clang\n#endif\n\
         #ifndef __OPTIMIZE__\n#error skel's -O2 was replaced\n#endif\n\
         int from_env __attribute__((section(\".data\"))) = FROM_ENV;\n",
    );

    let out = c.cargo_env(&["build", "-v"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "builds without the env flag:\n{stderr}"
    );
    assert!(
        stderr.contains("SKEL_CLANG_ARGS did not reach clang"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("the build script's flag is missing"),
        "{stderr}"
    );

    let env = [("SKEL_CLANG_ARGS", "  -DFROM_ENV=7\t-Wno-unused-macros ")];
    let out = c.cargo_env(&["build", "-v"], &env);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let skel = c.out_dir_with("envprobe.skel.rs").join("envprobe.skel.rs");
    let code = std::fs::read_to_string(&skel).unwrap();
    assert!(code.contains("from_env"), "{code}");

    // Nothing changed: no rerun. Another value: the script reruns.
    let out = c.cargo_env(&["build", "-v"], &env);
    assert!(out.status.success());
    assert!(
        !ran_script(&out, &c.package),
        "no-op build reran the script"
    );
    let out = c.cargo_env(&["build", "-v"], &[("SKEL_CLANG_ARGS", "-DFROM_ENV=8")]);
    assert!(out.status.success());
    assert!(
        ran_script(&out, &c.package),
        "SKEL_CLANG_ARGS changed: rerun"
    );

    // CLANG: a wrapper that leaves a mark, then runs the real clang.
    let wrapper = root.join("clang-wrapper.sh");
    let mark = root.join("clang-wrapper.ran");
    let _ = std::fs::remove_file(&mark);
    let real = skel_builder::default_clang();
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n",
            mark.display(),
            real.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = c.cargo_env(
        &["build", "-v"],
        &[
            ("SKEL_CLANG_ARGS", "-DFROM_ENV=8"),
            ("CLANG", wrapper.to_str().unwrap()),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ran_script(&out, &c.package), "CLANG changed: rerun");
    let calls = std::fs::read_to_string(&mark).unwrap();
    // `--version`, then the compile, with the flags in order: skel's,
    // the build script's, the environment's.
    let compile = calls
        .lines()
        .find(|l| l.contains("envprobe.bpf.c"))
        .unwrap_or_else(|| panic!("{calls}"));
    let at = |flag: &str| {
        compile
            .find(flag)
            .unwrap_or_else(|| panic!("{flag} in {compile}"))
    };
    assert!(at("-O2") < at("-DFROM_BUILD_SCRIPT=1"), "{compile}");
    // The instruction set is named, not left to clang's default (v1 before
    // clang 20, v3 since), and a user's `-mcpu=` can still come later.
    assert!(at("-mcpu=v3") < at("-DFROM_BUILD_SCRIPT=1"), "{compile}");
    assert!(
        at("-DFROM_BUILD_SCRIPT=1") < at("-DFROM_ENV=8"),
        "{compile}"
    );
}
