//! example-app: a TCP congestion control written in BPF (src/bpf/), driven
//! through the struct_ops shadow type that skel generates for it.

mod cli;
mod error;
mod layout;
mod run;
mod system;
mod transfer;

mod skel_cc {
    include!(concat!(env!("OUT_DIR"), "/skel_cc.skel.rs"));
}

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Parser as _;
use clap::error::ErrorKind;

use cli::{Cli, Command, RunArgs};

/// Set by SIGINT/SIGTERM/SIGHUP; the transfer stops, and the skeleton is
/// dropped on the way out, which unregisters the algorithm. (The default
/// action would kill the process with no unwinding. The BPF link would
/// still close with the process, but nothing would report it.)
static STOP: AtomicBool = AtomicBool::new(false);

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
            _ => {
                // One line: clap's first, which names the argument and why.
                let text = e.render().to_string();
                eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
                return ExitCode::from(2);
            }
        },
    };
    libbpf_log(cli.verbose);
    let result = match cli.command {
        Command::Layout => {
            layout::print();
            Ok(())
        }
        Command::Run(args) => run_with_signals(&args),
        Command::Demo => {
            let args = RunArgs::demo();
            println!(
                "demo: example-app run --name {} --variant aggressive --non-restricted --bytes 1G",
                args.name
            );
            println!();
            run_with_signals(&args)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// libbpf prints warnings and errors on stderr by default; keep stderr to
/// our one line unless asked. Silencing libbpf loses nothing an error
/// needs: skel-runtime captures libbpf's warnings of a failing step into
/// its error, which `error:` prints.
fn libbpf_log(verbose: bool) {
    use skel_runtime::libbpf_rs::{PrintLevel, set_print};
    fn print(_level: PrintLevel, line: String) {
        eprint!("{line}");
    }
    if verbose {
        set_print(Some((PrintLevel::Debug, print)));
    } else {
        set_print(None);
    }
}

fn run_with_signals(args: &RunArgs) -> Result<(), error::AppError> {
    if let Err(e) = ctrlc::set_handler(|| STOP.store(true, Ordering::Relaxed)) {
        return Err(error::AppError::failed("handle Ctrl-C", &e));
    }
    run::run(args, &STOP)
}
