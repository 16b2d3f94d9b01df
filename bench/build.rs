//! The skeleton of `bpf/runtime.bpf.c`, for the runtime rows (typed maps
//! and events against libbpf-rs's byte API).
fn main() {
    if let Err(e) = skel_builder::SkeletonBuilder::new()
        .source("bpf/runtime.bpf.c")
        .event_type("samples", "struct sample")
        .build()
    {
        eprintln!("{}", e.report());
        std::process::exit(1);
    }
}
