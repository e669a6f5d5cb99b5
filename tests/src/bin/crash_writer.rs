//! Child process for the crash test: writes edits as fast as it can and prints
//! `ack N` after each one is durable. The parent kills it with SIGKILL at random moments.

use std::io::Write;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let home = std::path::PathBuf::from(args.next().expect("home"));
    let job = args.next().expect("expediente id");
    let start: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut store = brigada_core::Store::open(&home, brigada_scenarios::PASS)?;
    let mut out = std::io::stdout().lock();
    for n in start.. {
        store.comment(&job, &format!("edit-{n}"))?;
        if n % 7 == 0 {
            store.attach(&job, &brigada_scenarios::small_png(), &format!("photo-{n}"), None)?;
        }
        writeln!(out, "ack {n}")?;
        out.flush()?;
    }
    Ok(())
}
