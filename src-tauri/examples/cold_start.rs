//! Benchmark: cold start to an interactive list with 10,000 expedientes (bar ≤ 2 s).
//!
//! `cargo run --release -p brigada-app --example cold_start -- --app PATH --out docs/BENCHMARKS.md`
//! (`make bench` does it with the release app). Each run starts the app process through
//! WebDriver in its own Xvfb display, types the passphrase, and stops the clock when the
//! first rows of the list are on screen; WebDriver's own overhead is included.

#[path = "../tests/harness/mod.rs"]
mod harness;

use std::path::{Path, PathBuf};
use std::time::Instant;

use brigada_core::store::InitOptions;
use brigada_core::store::kdf::KdfParams;
use harness::{App, PASS};

fn main() -> anyhow::Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let app = PathBuf::from(arg("--app").unwrap_or_else(|| "target/release/brigada-app".into()));
    let out = arg("--out").map(PathBuf::from);
    let n: usize = arg("--n").and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir()?;
    let home = dir.path().join("tablet");
    let mut store = brigada_core::Store::init(
        &home,
        PASS,
        InitOptions {
            device_name: "Tablet 90".into(),
            code: Some("T90".into()),
            person: Some("Ana Karen Hernández López".into()),
            seccion: Some("RT".into()),
            // The real key derivation: unlocking is part of a cold start.
            kdf: KdfParams::new_random(),
        },
    )?;
    brigada_scenarios::realistic_expedientes(&mut store, n)?;
    drop(store);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let mut times = Vec::new();
    for _ in 0..5 {
        times.push(rt.block_on(one_start(&app, &home)));
    }
    let report = format!(
        "Release app, {n} expedientes in the store, this machine, 5 cold starts (a new process each \
         time, under Xvfb, driven by WebDriver): from starting the process to the first rows of the \
         list on screen, including typing the passphrase and the real Argon2id key derivation.\n\n\
         | what | result | bar |\n|---|---|---|\n\
         | cold start to an interactive list | median {:.2} s, worst {:.2} s | ≤ 2 s |\n",
        brigada_scenarios::pct(times.clone(), 0.5),
        brigada_scenarios::pct(times, 1.0),
    );
    print!("{report}");
    if let Some(p) = out {
        brigada_scenarios::write_section(&p, "App", &report)?;
    }
    Ok(())
}

async fn one_start(bin: &Path, home: &Path) -> f64 {
    let t = Instant::now();
    let app = App::launch_bin(bin, home, &[]).await;
    app.unlock().await;
    app.el("[data-testid=expedientes] [data-folio]").await;
    let s = t.elapsed().as_secs_f64();
    app.quit().await;
    s
}
