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

use clap::Parser;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        eprintln!("error[internal]: brigada hit a defect ({msg}); nothing unacknowledged was saved. Please report it.");
    }));
    let args = cli::Cli::parse();
    match run::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = e
                .downcast_ref::<brigada_core::Error>()
                .map(|c| c.code())
                .unwrap_or("error");
            eprintln!("error[{code}]: {e:#}");
            ExitCode::from(if code == "wrong_passphrase" { 3 } else { 1 })
        }
    }
}
