//! How the sched_ext VM test configures the scheduler of
//! `bpf/scx_minimal.bpf.c` through its shadow. `vm/run.sh` boots a kernel
//! with sched_ext and runs `src/bin/scx_guest.rs` in it; the host only
//! opens the object (`tests/scx_open.rs`).

use crate::scx_minimal_skel::OpenScxMinimalSkel;

/// `SCX_OPS_SWITCH_PARTIAL` (enum scx_ops_flags): only tasks that ask for
/// `SCHED_EXT` run on the BPF scheduler.
pub const SCX_OPS_SWITCH_PARTIAL: u64 = 8;
/// The `SCHED_EXT` scheduling policy (`sched_setscheduler`).
pub const SCHED_EXT: i32 = 7;
/// `timeout_ms` set through the shadow: a value no default or initialiser
/// has, so reading it back proves it travelled to the kernel.
pub const TIMEOUT_MS: u32 = 7_654;
/// `exit_dump_len` set through the shadow (likewise).
pub const EXIT_DUMP_LEN: u32 = 12_288;

/// Sets `name`, `timeout_ms`, `flags` (adding `SCX_OPS_SWITCH_PARTIAL`) and
/// `exit_dump_len`; puts `enqueue_global` in the `enqueue` slot in place of
/// the initialiser's `enqueue_local`, and clears the optional `running`.
pub fn configure(
    open: &mut OpenScxMinimalSkel<'_>,
    name: &str,
) -> Result<(), skel_runtime::CharArrayError> {
    let enqueue_global = open.progs().enqueue_global();
    let ops = open.struct_ops_mut().skel_scx();
    ops.name.set(name)?;
    ops.timeout_ms = TIMEOUT_MS;
    ops.flags |= SCX_OPS_SWITCH_PARTIAL;
    ops.exit_dump_len = EXIT_DUMP_LEN;
    ops.enqueue = Some(enqueue_global);
    ops.running = None;
    Ok(())
}
