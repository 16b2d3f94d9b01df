//! `run` and `demo`: register the congestion control through the shadow,
//! use it, report, unregister.

use std::sync::atomic::AtomicBool;

use indicatif::BinaryBytes;
use skel_runtime::{KernelStructOps, LoadedProgram, StructOpsState};

use crate::cli::{RunArgs, Variant};
use crate::error::AppError;
use crate::skel_cc::{OwnedSkelCcSkel, SkelCcSkel, SkelCcSkelBuilder};
use crate::system;
use crate::transfer::{self, Transfer, TransferError};

/// `TCP_CONG_NON_RESTRICTED` (include/net/tcp.h).
const TCP_CONG_NON_RESTRICTED: u32 = 0x1;

pub fn run(args: &RunArgs, stop: &AtomicBool) -> Result<(), AppError> {
    system::check_name_free(&args.name)?;
    system::check_kernel_support()?;
    system::check_privileges(!args.non_restricted)?;
    // The skeleton lives (and the algorithm stays registered) only inside
    // `session`; it is dropped, and the algorithm unregistered, however
    // `session` returns.
    let result = session(args, stop);
    let registered = || system::registered(&args.name);
    match result {
        Ok(()) | Err(AppError::Interrupted { .. }) if registered() => Err(AppError::Failed {
            action: "unregister".into(),
            cause: format!("`{}` is still registered after its link closed", args.name),
        }),
        Ok(()) => {
            println!(
                "unregistered {} (gone from tcp_available_congestion_control)",
                args.name
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn session(args: &RunArgs, stop: &AtomicBool) -> Result<(), AppError> {
    let skel = register(args)?;
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(AppError::Interrupted {
            name: args.name.clone(),
        });
    }
    let skel = skel.get();
    print_registered(skel, args);

    let done = transfer::run(&args.name, args.bytes, stop).map_err(|e| match e {
        TransferError::Interrupted => AppError::Interrupted {
            name: args.name.clone(),
        },
        e => AppError::failed("run the loopback transfer", &e),
    })?;
    print_transfer(&done);
    print_counters(skel);
    let kernel = skel
        .struct_ops()
        .read_skel_cc_from_kernel()
        .map_err(|e| AppError::failed("read the struct_ops map back from the kernel", &e))?;
    print_kernel(&kernel);
    Ok(())
}

/// Opens the BPF object, configures the congestion control through the
/// shadow, loads and registers it, and hands back the skeleton: the owned
/// form, so that it can be returned with the object it uses (the
/// algorithm stays registered until it is dropped).
fn register(args: &RunArgs) -> Result<OwnedSkelCcSkel, AppError> {
    let mut open = SkelCcSkelBuilder::default()
        .open_owned()
        .map_err(|e| AppError::failed("open the BPF object", &e))?;
    // Everything the user chose reaches the kernel through the shadow.
    open.with(|open| {
        // The program's token first: the shadow below borrows `open`
        // exclusively, the token only names a program of this object.
        let progs = open.progs();
        let cong_avoid = match args.variant {
            Variant::Reno => progs.cc_cong_avoid_reno(),
            Variant::Aggressive => progs.cc_cong_avoid_aggressive(),
        };
        let ops = open.struct_ops_mut().skel_cc();
        ops.name
            .set(&args.name)
            .map_err(|e| AppError::failed(format!("set the name `{}`", args.name), &e))?;
        ops.flags = if args.non_restricted {
            TCP_CONG_NON_RESTRICTED
        } else {
            0
        };
        ops.cong_avoid = Some(cong_avoid);
        Ok::<_, AppError>(())
    })?;
    let mut skel = open.load().map_err(|e| load_error(&e))?;
    skel.attach().map_err(|e| attach_error(&e, &args.name))?;
    Ok(skel)
}

/// The error carries the errno and libbpf's log of the load (the
/// verifier's output included), printed below the first line, whether or
/// not libbpf's own output is on (`--verbose`).
fn load_error(e: &skel_runtime::Error) -> AppError {
    if e.raw_os_error() == Some(libc::EPERM) {
        return AppError::Privilege(format!(
            "the kernel refused to load the BPF programs ({})",
            e.errno()
                .map_or_else(|| "EPERM".to_owned(), |n| n.to_string())
        ));
    }
    AppError::failed("load the BPF object", e)
}

fn attach_error(e: &skel_runtime::Error, name: &str) -> AppError {
    if e.raw_os_error() == Some(libc::EEXIST) {
        // Registered by someone else between our check and the attach.
        return AppError::NameTaken {
            name: name.to_owned(),
        };
    }
    AppError::failed(format!("register `{name}` with the kernel"), e)
}

fn flags_text(flags: u64) -> String {
    if flags & u64::from(TCP_CONG_NON_RESTRICTED) != 0 {
        format!("{flags:#x} (TCP_CONG_NON_RESTRICTED)")
    } else {
        format!("{flags:#x} (restricted)")
    }
}

fn state_text(state: StructOpsState) -> String {
    match state {
        StructOpsState::Init => "init".to_owned(),
        StructOpsState::InUse => "inuse".to_owned(),
        StructOpsState::ToBeFree => "tobefree".to_owned(),
        StructOpsState::Ready => "ready (registered through a BPF link)".to_owned(),
        StructOpsState::Other(n) => format!("unknown ({n})"),
    }
}

fn print_registered(skel: &SkelCcSkel<'_>, args: &RunArgs) {
    // The shadow after load: read-only, what was sent to the kernel.
    let ops = skel.struct_ops().skel_cc();
    println!(
        "registered  {} through struct_ops map skel_cc: cong_avoid = {}, flags {}",
        ops.name.to_string_lossy(),
        ops.cong_avoid.map_or("none", |p| p.name()),
        flags_text(ops.flags.into()),
    );
    let allowed = if system::allowed(&args.name) {
        "and tcp_allowed_congestion_control"
    } else {
        "(not in tcp_allowed_congestion_control: restricted)"
    };
    println!("            listed in tcp_available_congestion_control {allowed}");
}

fn print_transfer(t: &Transfer) {
    let secs = t.elapsed.as_secs_f64().max(1e-9);
    let rate = t.bytes as f64 / secs;
    println!(
        "transfer    {} over loopback in {secs:.2} s: {}/s ({:.1} Gbit/s)",
        BinaryBytes(t.bytes),
        BinaryBytes(rate as u64),
        rate * 8.0 / 1e9,
    );
    println!(
        "            sender socket: congestion control {}, cwnd {} segments, ssthresh {}, {} retransmits",
        t.congestion,
        t.cwnd,
        if t.ssthresh >= 0x7fff_ffff {
            "infinite".to_owned()
        } else {
            t.ssthresh.to_string()
        },
        t.retransmits
    );
}

fn print_counters(skel: &SkelCcSkel<'_>) {
    // `.bss` is live: BPF programs write it, so each getter is one
    // volatile read of the counter as it is now.
    let bss = skel.maps().bss();
    let progs = skel.progs();
    let rows: [(LoadedProgram<'_>, u64); 5] = [
        (progs.cc_init(), bss.calls_init()),
        (progs.cc_ssthresh(), bss.calls_ssthresh()),
        (progs.cc_undo_cwnd(), bss.calls_undo_cwnd()),
        (progs.cc_cong_avoid_reno(), bss.calls_cong_avoid_reno()),
        (
            progs.cc_cong_avoid_aggressive(),
            bss.calls_cong_avoid_aggressive(),
        ),
    ];
    println!();
    println!("BPF program runs (counters in .bss)");
    println!("  {:<26}{:>10}  prog id", "program", "runs");
    for (prog, runs) in rows {
        let id = match prog.id() {
            Some(id) => id.to_string(),
            None => "-  (not loaded: in no slot)".to_owned(),
        };
        println!("  {:<26}{runs:>10}  {id}", prog.name());
    }
}

fn print_kernel(kernel: &KernelStructOps) {
    println!();
    println!("kernel's copy of struct_ops map skel_cc (bpf_map_lookup_elem)");
    println!("  {:<14}{}", "state", state_text(kernel.state));
    println!(
        "  {:<14}{}",
        "name",
        kernel.string("name").unwrap_or_default()
    );
    println!(
        "  {:<14}{}",
        "flags",
        kernel.uint("flags").map_or("?".to_owned(), flags_text)
    );
    let mut empty = vec![];
    for member in kernel.members.iter().filter(|m| m.is_func_ptr) {
        match kernel.prog_id(&member.name) {
            Some(id) if id != 0 => println!(
                "  {:<14}prog {id} ({})",
                member.name,
                kernel.program(&member.name).unwrap_or("not ours")
            ),
            _ => empty.push(member.name.as_str()),
        }
    }
    if !empty.is_empty() {
        println!("  {:<14}{}", "no program", empty.join(", "));
    }
    println!();
}
