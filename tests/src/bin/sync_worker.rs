//! A device that syncs in a loop, for tests that kill it mid-sync:
//! `sync_worker HOME`. Prints `synced N` after each durable sync.

use std::io::Write;

fn main() -> anyhow::Result<()> {
    let home = std::path::PathBuf::from(std::env::args().nth(1).expect("home"));
    let mut store = brigada_core::Store::open(&home, brigada_scenarios::PASS)?;
    let mut out = std::io::stdout().lock();
    for n in 0.. {
        store.sync_now(&mut |_| {})?;
        writeln!(out, "synced {n}")?;
        out.flush()?;
    }
    Ok(())
}
