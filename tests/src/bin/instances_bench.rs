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
use brigada_sync::storage::Storage;

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

/// A deployment: its storage (to add devices) and its instances' addresses.
struct Deployment<'a> {
    storage: &'a dyn Storage,
    urls: &'a [String],
}

/// One device's part of the load: its token with each deployment, and its request.
struct Device {
    tokens: Vec<String>,
    body: Vec<u8>,
}

/// Each device is its own store (its own key, actor and folio code: the server accepts a
/// device's changes only under its own actor), enrolled with every deployment, with 50
/// new expedientes to push. The store goes once its request is made (5,000 stores would
/// fill the disk).
fn devices(n: usize, deployments: &[Deployment<'_>]) -> Result<(Vec<Device>, usize)> {
    let made = std::sync::atomic::AtomicUsize::new(0);
    let one = |i: usize| -> Result<Device> {
        let (_home, mut store) = temp_store(&format!("Tablet {i}"));
        let mut tokens = Vec::new();
        for d in deployments {
            let (_, code) = brigada_sync::add_device(d.storage, &format!("Técnico {i}"), Role::Tecnico, "")?;
            let r = enroll(&d.urls[i % d.urls.len()], &store.enrol_request(code), None)?;
            tokens.push(r.token);
        }
        for _ in 0..50 {
            let j = new_job(&mut store, "P1");
            store.comment(&j, "Levantamiento en sitio")?;
        }
        let body = protocol::encode(&store.sync_plan()?.request);
        let done = made.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if done.is_multiple_of(500) {
            eprintln!("instances_bench: {done} of {n} devices ready");
        }
        Ok(Device { tokens, body })
    };
    // As many at once as the machine has cores.
    let workers = std::thread::available_parallelism().map_or(2, |p| p.get());
    let mut out: Vec<(usize, Device)> = std::thread::scope(|s| -> Result<Vec<(usize, Device)>> {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let one = &one;
                s.spawn(move || -> Result<Vec<(usize, Device)>> {
                    (w..n).step_by(workers).map(|i| Ok((i, one(i)?))).collect()
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow::anyhow!("a device builder panicked"))??);
        }
        Ok(all)
    })?;
    out.sort_by_key(|(i, _)| *i);
    let devices: Vec<Device> = out.into_iter().map(|(_, d)| d).collect();
    let docs = devices
        .iter()
        .map(|d| protocol::decode::<protocol::SyncRequest>(&d.body).map(|r| r.docs.len()))
        .sum::<std::result::Result<usize, _>>()?;
    Ok((devices, docs))
}

struct Run {
    seconds: f64,
    p50: f64,
    p95: f64,
    peak_mib: Vec<u64>,
}

/// Every device's request to deployment `k`, each to the next instance in turn, 16 at a
/// time.
fn run(devices: &[Device], k: usize, urls: &[String], pids: &[u32]) -> Result<Run> {
    let work: Vec<usize> = (0..devices.len()).collect();
    let work = std::sync::Arc::new(std::sync::Mutex::new(work));
    let t0 = Instant::now();
    let lat = std::thread::scope(|s| -> Result<Vec<f64>> {
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let work = work.clone();
                s.spawn(move || -> Result<Vec<f64>> {
                    let mut lat = Vec::new();
                    // One HTTP client per thread, as a tablet has one: building one per
                    // request would spend the machine's cores on the load generator.
                    let client = HttpTransport::new(&urls[0], "", None)?;
                    loop {
                        let Some(i) = work.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop() else {
                            break;
                        };
                        let url = &urls[i % urls.len()];
                        let mut t = client.with_token(url, &devices[i].tokens[k]);
                        let started = Instant::now();
                        let reply = brigada_core::sync::Transport::exchange(&mut t, &devices[i].body)?;
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

fn stop(children: &mut [Child]) {
    for c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let n: usize = arg("--devices").and_then(|n| n.parse().ok()).unwrap_or(5000);

    // One instance on the embedded SQLite; two instances on one PostgreSQL.
    let data = tempfile::tempdir()?;
    let embedded_storage = brigada_sync::open_storage(data.path(), None)?;
    let (embedded_child, url) = instance(data.path(), None)?;
    let embedded_urls = vec![url];
    let db = pg::database();
    let shared_storage = brigada_sync::open_storage(data.path(), Some(&db))?;
    let dirs = [tempfile::tempdir()?, tempfile::tempdir()?];
    let mut shared_children = Vec::new();
    let mut shared_urls = Vec::new();
    for d in &dirs {
        let (c, u) = instance(d.path(), Some(&db))?;
        shared_children.push(c);
        shared_urls.push(u);
    }
    let t0 = Instant::now();
    let (devices, expected) = devices(
        n,
        &[
            Deployment {
                storage: embedded_storage.as_ref(),
                urls: &embedded_urls,
            },
            Deployment {
                storage: shared_storage.as_ref(),
                urls: &shared_urls,
            },
        ],
    )?;
    drop(embedded_storage);
    drop(shared_storage);
    eprintln!("instances_bench: {n} devices in {:.0} s", t0.elapsed().as_secs_f64());

    let mut embedded_children = vec![embedded_child];
    let embedded = run(&devices, 0, &embedded_urls, &[embedded_children[0].id()])?;
    stop(&mut embedded_children);
    let db_file = std::fs::metadata(brigada_sync::storage::sqlite::db_path(data.path()))?.len()
        + std::fs::metadata(data.path().join("brigada-sync.db-wal")).map_or(0, |m| m.len());
    eprintln!("instances_bench: embedded {:.1} s", embedded.seconds);

    let pids: Vec<u32> = shared_children.iter().map(Child::id).collect();
    let shared = run(&devices, 1, &shared_urls, &pids)?;
    stop(&mut shared_children);
    let mut c = postgres::Client::connect(&db, postgres::NoTls)?;
    let stored: i64 = c
        .query_one("SELECT count(*) FROM docs WHERE kind = 'expediente'", &[])?
        .get(0);
    let size: i64 = c.query_one("SELECT pg_database_size(current_database())", &[])?.get(0);
    eprintln!("instances_bench: two instances {:.1} s", shared.seconds);
    let embedded_stored = {
        let conn = brigada_core::store::RawConnection::open(brigada_sync::storage::sqlite::db_path(data.path()))?;
        conn.query_row("SELECT count(*) FROM docs WHERE kind = 'expediente'", [], |r| {
            r.get::<_, i64>(0)
        })?
    };

    let report = format!(
        "{n} devices × 50 new expedientes each, pushed in one request per device by 16 client
threads over loopback HTTP; each `brigada-sync` instance is its own process (the same
binary). PostgreSQL 15 from Debian's packages on the same machine (default settings, fsync
on); its size is the database's after the load, the embedded one's is its file and WAL.
Bar (issue 14): ≤ 120 s for 5,000 × 50 on this 2-core machine, ≤ 256 MiB per instance.

| what | one instance, embedded SQLite | two instances, one PostgreSQL |
|---|---|---|
| all devices synced in | {:.1} s | {:.1} s |
| request latency p50 / p95 | {:.0} / {:.0} ms | {:.0} / {:.0} ms |
| peak RSS per instance | {} MiB | {} MiB |
| database size | {:.0} MiB | {:.0} MiB |
| expedientes stored | {embedded_stored} of {expected} | {stored} of {expected} |
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
