//! `brigada`: the headless Brigada client.
//!
//! Every command is a thin layer over `brigada-core`: parse arguments, call one core
//! function, print the result (human text, or JSON with `--json`). Exit code 0 means the
//! change is durable. Errors are one line on stderr — what was wrong and what to do —
//! with the core's stable error code; never a panic trace.

mod cli;
mod papers;
mod print;
mod run;

use std::process::ExitCode;

use brigada_core::messages::{Locale, set_locale};
use brigada_core::msg;
use clap::Parser;

fn main() -> ExitCode {
    // Messages in the language of the person's environment (LANG), Spanish by default.
    set_locale(Locale::from_env());
    std::panic::set_hook(Box::new(|info| {
        let detail = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!("error[internal]: {}", msg!("internal", detail = detail));
    }));
    let args = cli::Cli::parse();
    match run::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader went away (`brigada --json show REF | head -c 100`): end quietly with
        // the status a shell gives a program a closed pipe stopped (128 + SIGPIPE).
        Err(e) if closed_pipe(&e) => ExitCode::from(141),
        Err(e) => {
            let code = e
                .downcast_ref::<brigada_core::Error>()
                .map_or("error", |c| c.code().as_str());
            eprintln!("error[{code}]: {e:#}");
            ExitCode::from(if code == "wrong_passphrase" { 3 } else { 1 })
        }
    }
}

fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
