//! Re-exports the include directory of the libbpf that libbpf-sys builds
//! (it holds `bpf/bpf_helpers.h` and friends) so that skel-builder, running
//! in a dependent crate's build script, compiles BPF C against the headers of
//! the very libbpf the skeleton links.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_BPF_INCLUDE");
    if let Ok(dir) = std::env::var("DEP_BPF_INCLUDE") {
        println!("cargo:include={dir}");
    }
}
