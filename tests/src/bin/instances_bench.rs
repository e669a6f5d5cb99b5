//! `make bench`, several instances (issue 14): the same load — N devices × 50 new
//! expedientes, each pushed in one request by 16 client threads — through one
//! `brigada-sync` on its embedded SQLite, and through two instances sharing one PostgreSQL
//! (started from Debian's packages, as the tests do), each request to the next instance.
//! Writes the "## Several instances" section of docs/BENCHMARKS.md.
//!
//! `instances_bench [--devices N] [--out FILE]` (N = 5,000 by default).

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::Instant;

use anyhow::{Context, Result};
use brigada_core::sync::http::{HttpTransport, enroll};
use brigada_core::sync::protocol;
use brigada_scenarios::*;
use brigada_sync::devices::Role;

/// Each device's store made once; enrolled with both deployments (the same key, actor
/// and folio code), so both receive the same requests.
struct Tablet {
    _home: tempfile::TempDir,
    store: brigada_core::Store,
    body: Vec<u8>,
}

fn tablets(n: usize) -> Result<(Vec<Tablet>, usize)> {
    let made = std::sync::atomic::AtomicUsize::new(0);
    let one = |i: usize| -> Result<Tablet> {
        let (home, mut store) = temp_store(&format!("Tablet {i}"));
        for _ in 0..50 {
            let j = new_job(&mut store, "P1");
            store.comment(&j, "Levantamiento en sitio")?;
        }
        let body = protocol::encode(&store.sync_plan()?.request);
        let done = made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if done.is_multiple_of(500) {
            eprintln!("instances_bench: {done} of {n} tablets ready");
        }
        Ok(Tablet {
            _home: home,
            store,
            body,
        })
    };
    // As many at once as the machine has cores.
    let workers = std::thread::available_parallelism().map_or(2, |p| p.get());
    let mut out: Vec<(usize, Tablet)> = std::thread::scope(|s| -> Result<Vec<(usize, Tablet)>> {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let one = &one;
                s.spawn(move || -> Result<Vec<(usize, Tablet)>> {
                    (w..n).step_by(workers).map(|i| Ok((i, one(i)?))).collect()
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow::anyhow!("a tablet builder panicked"))??);
        }
        Ok(all)
    })?;
    out.sort_by_key(|(i, _)| *i);
    let tablets: Vec<Tablet> = out.into_iter().map(|(_, t)| t).collect();
    let docs = tablets
        .iter()
        .map(|t| protocol::decode::<protocol::SyncRequest>(&t.body).map(|r| r.docs.len()))
        .sum::<std::result::Result<usize, _>>()?;
    Ok((tablets, docs))
}

/// A `scenario_server` process over `data` (and `database`), on a free port.
fn instance(data: &Path, database: Option<&str>) -> Result<(Child, String)> {
    use std::io::BufRead;
    let bin = std::env::current_exe()?.with_file_name("scenario_server");
    let mut cmd = std::process::Command::new(&bin);
    cmd.args(["127.0.0.1:0", data.to_str().unwrap_or_default()]);
    cmd.args(database);
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {}", bin.display()))?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().context("no stdout")?).read_line(&mut line)?;
    let port = listening_port(child.id()).context("cannot find the instance's port")?;
    Ok((child, format!("http://127.0.0.1:{port}")))
}

struct Run {
    seconds: f64,
    p50: f64,
    p95: f64,
    peak_mib: Vec<u64>,
}

/// Enrol every tablet with the deployment whose storage is `storage`, through `urls[0]`,
/// then push every body, each to the next instance in turn, 16 at a time.
fn push_all(
    tablets: &[Tablet],
    storage: &dyn brigada_sync::storage::Storage,
    urls: &[String],
) -> Result<Vec<(String, usize)>> {
    let mut work = Vec::with_capacity(tablets.len());
    for (i, t) in tablets.iter().enumerate() {
        let (_, code) = brigada_sync::add_device(storage, &format!("Técnico {i}"), Role::Tecnico, "")?;
        let r = enroll(&urls[i % urls.len()], &t.store.enrol_request(code), None)?;
        work.push((r.token, i));
    }
    Ok(work)
}

fn run(tablets: &[Tablet], work: Vec<(String, usize)>, urls: &[String], pids: &[u32]) -> Result<Run> {
    let work = std::sync::Arc::new(std::sync::Mutex::new(work));
    let bodies: Vec<&[u8]> = tablets.iter().map(|t| t.body.as_slice()).collect();
    let t0 = Instant::now();
    let lat = std::thread::scope(|s| -> Result<Vec<f64>> {
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let work = work.clone();
                let bodies = &bodies;
                s.spawn(move || -> Result<Vec<f64>> {
                    let mut lat = Vec::new();
                    loop {
                        let Some((token, i)) = work.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop() else {
                            break;
                        };
                        let url = &urls[i % urls.len()];
                        let mut t = HttpTransport::new(url, &token, None)?;
                        let started = Instant::now();
                        let reply = brigada_core::sync::Transport::exchange(&mut t, bodies[i])?;
                        lat.push(started.elapsed().as_secs_f64() * 1e3);
                        let r: protocol::SyncResponse = protocol::decode(&reply)?;
                        anyhow::ensure!(r.rejected.is_empty(), "rejected: {:?}", r.rejected.first());
                    }
                    Ok(lat)
                })
            })
            .collect();
        let mut lat = Vec::new();
        for t in threads {
            lat.extend(t.join().map_err(|_| anyhow::anyhow!("worker panicked"))??);
        }
        Ok(lat)
    })?;
    let seconds = t0.elapsed().as_secs_f64();
    Ok(Run {
        seconds,
        p50: pct(lat.clone(), 0.5),
        p95: pct(lat, 0.95),
        peak_mib: pids.iter().map(|p| rss_kib(*p, "VmHWM:").unwrap_or(0) / 1024).collect(),
    })
}

fn stop(mut children: Vec<Child>) {
    for c in &mut children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let devices: usize = arg("--devices").and_then(|n| n.parse().ok()).unwrap_or(5000);
    let t0 = Instant::now();
    let (tablets, expected) = tablets(devices)?;
    eprintln!(
        "instances_bench: {devices} tablets in {:.0} s",
        t0.elapsed().as_secs_f64()
    );

    // One instance, embedded SQLite.
    let data = tempfile::tempdir()?;
    let storage = brigada_sync::open_storage(data.path(), None)?;
    let (child, url) = instance(data.path(), None)?;
    let urls = vec![url];
    let work = push_all(&tablets, storage.as_ref(), &urls)?;
    drop(storage);
    let embedded = run(&tablets, work, &urls, &[child.id()])?;
    stop(vec![child]);
    let db_file = std::fs::metadata(brigada_sync::storage::sqlite::db_path(data.path()))?.len()
        + std::fs::metadata(data.path().join("brigada-sync.db-wal")).map_or(0, |m| m.len());
    let sqlite_docs = brigada_sync::open_storage(data.path(), None)?;
    drop(sqlite_docs);
    eprintln!("instances_bench: embedded {:.1} s", embedded.seconds);

    // Two instances, one PostgreSQL.
    let db = pg::database();
    let storage = brigada_sync::open_storage(data.path(), Some(&db))?;
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    let mut children = Vec::new();
    let mut urls = Vec::new();
    for d in &dirs {
        let (c, u) = instance(d.path(), Some(&db))?;
        children.push(c);
        urls.push(u);
    }
    let work = push_all(&tablets, storage.as_ref(), &urls)?;
    drop(storage);
    let pids: Vec<u32> = children.iter().map(Child::id).collect();
    let shared = run(&tablets, work, &urls, &pids)?;
    stop(children);
    let mut c = postgres::Client::connect(&db, postgres::NoTls)?;
    let stored: i64 = c
        .query_one("SELECT count(*) FROM docs WHERE kind = 'expediente'", &[])?
        .get(0);
    let size: i64 = c.query_one("SELECT pg_database_size(current_database())", &[])?.get(0);
    eprintln!("instances_bench: two instances {:.1} s", shared.seconds);

    let report = format!(
        "{devices} devices × 50 new expedientes each, pushed in one request per device by 16 client
threads over loopback HTTP; each `brigada-sync` instance is its own process. PostgreSQL 15
from Debian's packages on the same machine (default settings, fsync on), its size being
the database's after the load; the embedded database's is its file with its WAL. Bar (issue
14): ≤ 120 s for 5,000 × 50 on this 2-core machine, ≤ 256 MiB per instance.

| what | one instance, embedded SQLite | two instances, one PostgreSQL |
|---|---|---|
| all devices synced in | {:.1} s | {:.1} s |
| request latency p50 / p95 | {:.0} / {:.0} ms | {:.0} / {:.0} ms |
| peak RSS per instance | {} MiB | {} MiB |
| database size | {:.0} MiB | {:.0} MiB |
| expedientes stored | {expected} sent | {stored} of {expected} |
",
        embedded.seconds,
        shared.seconds,
        embedded.p50,
        embedded.p95,
        shared.p50,
        shared.p95,
        embedded
            .peak_mib
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" / "),
        shared
            .peak_mib
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(" / "),
        db_file as f64 / 1048576.0,
        size as f64 / 1048576.0,
    );
    print!("{report}");
    if let Some(p) = out {
        write_section(&p, "Several instances", &report)?;
    }
    Ok(())
}
