//! A sync server in its own process, for tests that kill it with SIGKILL:
//! `scenario_server ADDR DATA_DIR [DATABASE_URL]` (the embedded database in DATA_DIR, or the
//! PostgreSQL one given, which several of these may share). Prints `ready` once it listens.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let data = std::path::PathBuf::from(args.next().expect("data dir"));
    let options = brigada_sync::Options {
        database: args.next(),
        ..Default::default()
    };
    let _server = brigada_sync::spawn_with(&addr, &data, options)?;
    println!("ready");
    loop {
        std::thread::park();
    }
}
