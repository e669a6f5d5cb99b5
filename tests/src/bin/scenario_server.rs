//! A sync server in its own process, for tests that kill it with SIGKILL:
//! `scenario_server ADDR DATA_DIR`. Prints `ready` once it listens.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:0".into());
    let data = std::path::PathBuf::from(args.next().expect("data dir"));
    let _server = brigada_sync::spawn(&addr, &data)?;
    println!("ready");
    loop {
        std::thread::park();
    }
}
