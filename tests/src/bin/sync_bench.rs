//! `make bench`, sync part: a day offline, a new device's first sync, and many devices at
//! once against one server process. Writes the "## Sync" section of docs/BENCHMARKS.md.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Result;
use automerge::Automerge;
use brigada_core::Store;
use brigada_core::sync::http::{HttpTransport, enroll};
use brigada_core::sync::protocol::{self, SyncRequest};
use brigada_scenarios::*;
use brigada_sync::devices::Role;

fn enrolled(
    url: &str,
    storage: &dyn brigada_sync::storage::Storage,
    name: &str,
    role: Role,
) -> Result<(tempfile::TempDir, Store)> {
    let (dir, mut store) = temp_store(name);
    let (_, code) = brigada_sync::add_device(storage, name, role, "RT")?;
    let resp = enroll(url, &store.enrol_request(code), None)?;
    store.save_enrolment(url, &resp, None)?;
    Ok((dir, store))
}

/// Raw size of the changes `d` has beyond `before`.
fn change_bytes(d: &Automerge, before: &[automerge::ChangeHash]) -> usize {
    d.get_changes(before).iter().map(|c| c.raw_bytes().len()).sum()
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let devices: usize = arg("--devices").and_then(|n| n.parse().ok()).unwrap_or(1000);
    let mut report = String::new();

    // --- A day offline: 1,000 known to both sides, 50 changed on each. ---
    let data = tempfile::tempdir()?;
    let server = brigada_sync::spawn("127.0.0.1:0", data.path())?;
    let url = server.url();
    let (_t, mut tablet) = enrolled(&url, server.storage.as_ref(), "Tablet 07", Role::Oficina)?;
    let (_o, mut office) = enrolled(&url, server.storage.as_ref(), "Oficina 01", Role::Oficina)?;
    let jobs: Vec<String> = (0..1000).map(|_| new_job(&mut tablet, "P1")).collect();
    for j in &jobs {
        tablet.set_fields(j, &[("ubicacion".into(), "Sala de espera".into())])?;
    }
    tablet.sync_now(&mut |_| {})?;
    office.sync_now(&mut |_| {})?;
    let heads_before = |s: &Store, j: &str| -> Result<Vec<automerge::ChangeHash>> {
        let (_, bytes) = s.document_bytes(j)?;
        Ok(Automerge::load(&bytes)?.get_heads())
    };
    let mut own = 0usize;
    let (mine, theirs) = (&jobs[..50], &jobs[50..100]);
    let mut before = Vec::new();
    for j in mine {
        before.push((j.clone(), heads_before(&tablet, j)?));
        tablet.set_fields(
            j,
            &[(
                "trayectoria".into(),
                "Por plafón, tramo del pasillo norte al site".into(),
            )],
        )?;
        tablet.comment(j, "Se verificó la canalización con el área")?;
    }
    for j in theirs {
        let b = heads_before(&office, j)?;
        office.assign(j, "José Luis Martínez Cruz")?;
        office.comment(j, "Reasignado por carga de trabajo")?;
        let d = Automerge::load(&office.document_bytes(j)?.1)?;
        own += change_bytes(&d, &b);
    }
    for (j, b) in &before {
        let d = Automerge::load(&tablet.document_bytes(j)?.1)?;
        own += change_bytes(&d, b);
    }
    office.sync_now(&mut |_| {})?;
    let t0 = Instant::now();
    let sum = tablet.sync_now(&mut |_| {})?;
    let day_ms = t0.elapsed().as_secs_f64() * 1e3;
    let bytes = sum.progress.bytes_sent + sum.progress.bytes_received;
    let bar = own as f64 * 1.2 + 64.0 * 100.0;
    report.push_str(&format!(
        "### A day offline\n\n1,000 expedientes known to both sides; 50 changed on the tablet and 50 on the server\n\
(by the office) while it was offline; then the tablet syncs over HTTP (loopback).\n\n\
| what | result | bar |\n|---|---|---|\n\
| HTTP round trips | {} | ≤ 3 |\n\
| body bytes, both directions | {} B | ≤ {:.0} B (1.2 × {} B of changes + 64 B × 100 docs) |\n\
| time | {:.0} ms | — |\n\n",
        sum.progress.round_trips, bytes, bar, own, day_ms
    ));
    drop(tablet);

    // --- A new device's first sync of 10,000 expedientes. ---
    for _ in 0..9 {
        for _ in 0..1000 {
            let j = new_job(&mut office, "P1");
            office.set_fields(&j, &[("ubicacion".into(), "Sala de espera".into())])?;
        }
        office.sync_now(&mut |_| {})?;
    }
    let (_n, mut newcomer) = enrolled(&url, server.storage.as_ref(), "Oficina 02", Role::Oficina)?;
    let t0 = Instant::now();
    let sum = newcomer.sync_now(&mut |_| {})?;
    let first_s = t0.elapsed().as_secs_f64();
    let n = newcomer
        .list(&brigada_core::store::index::Filter {
            limit: Some(20_000),
            ..Default::default()
        })?
        .len();
    report.push_str(&format!(
        "### A new device's first sync\n\n| what | result |\n|---|---|\n\
| expedientes received | {n} |\n| time | {first_s:.1} s |\n| round trips | {} |\n| bytes received | {} KiB |\n\n",
        sum.progress.round_trips,
        sum.progress.bytes_received / 1024
    ));
    drop(server);

    // --- Load: many devices, 50 changed expedientes each, one server process. ---
    report.push_str(&load(devices)?);

    print!("{report}");
    if let Some(p) = out {
        brigada_scenarios::write_section(&p, "Sync", &report)?;
    }
    Ok(())
}

/// Make the push of one device: 50 new expedientes, built in memory.
fn device_request(tablet: &mut Store, n: usize) -> Result<Vec<u8>> {
    for _ in 0..n {
        let j = new_job(tablet, "P1");
        tablet.comment(&j, "Levantamiento en sitio")?;
    }
    let plan = tablet.sync_plan()?;
    Ok(protocol::encode(&plan.request))
}

fn load(devices: usize) -> Result<String> {
    let data = tempfile::tempdir()?;
    let storage = brigada_sync::open_storage(data.path(), None)?;
    // Enrol through storage (the codes are traded for tokens over HTTP below).
    let mut codes = Vec::new();
    for i in 0..devices {
        // Each técnico's scope is their own jobs (no sección-wide view), as in the field.
        codes.push(brigada_sync::add_device(storage.as_ref(), &format!("Técnico {i}"), Role::Tecnico, "")?.1);
    }
    drop(storage);
    let (mut server, url) = server_process(data.path())?;
    // Each device is its own store (its own actor, key and folio code: the server accepts
    // a device's changes only under its own actor) with 50 new expedientes to push.
    let homes = tempfile::tempdir()?;
    let mut tokens = Vec::new();
    let mut bodies = Vec::new();
    let mut expected = 0;
    for (i, code) in codes.into_iter().enumerate() {
        let mut tablet = init_store(&homes.path().join(i.to_string()), &format!("Tablet {i}"));
        let r = enroll(&url, &tablet.enrol_request(code), None)?;
        tokens.push(r.token);
        let body = device_request(&mut tablet, 50)?;
        expected += protocol::decode::<SyncRequest>(&body)?.docs.len();
        bodies.push(body);
    }
    let work: Vec<(String, Vec<u8>)> = tokens.into_iter().zip(bodies).collect();
    let work = std::sync::Arc::new(std::sync::Mutex::new(work));
    let t0 = Instant::now();
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let work = work.clone();
            let url = url.clone();
            std::thread::spawn(move || -> Result<Vec<f64>> {
                let mut lat = Vec::new();
                loop {
                    let Some((token, body)) = work.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.pop() else {
                        break;
                    };
                    let mut t = HttpTransport::new(&url, &token, None)?;
                    let s = Instant::now();
                    let reply = brigada_core::sync::Transport::exchange(&mut t, &body)?;
                    lat.push(s.elapsed().as_secs_f64() * 1e3);
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
    let total_s = t0.elapsed().as_secs_f64();
    let rss_mib = rss_kib(server.id(), "VmHWM:").unwrap_or(0) / 1024;
    let _ = server.kill();
    let _ = server.wait();
    let conn = rusqlite_count(data.path())?;
    Ok(format!(
        "### Load: {devices} devices × 50 changed expedientes, one server process\n\n\
Each device pushes 50 new expedientes in one request (its first sync of the day) and
receives what changed in its scope; 16 client threads over loopback HTTP; the server is
`brigada-sync` (embedded SQLite) in its own process.\n\n\
| what | result | bar |\n|---|---|---|\n\
| all devices synced in | {total_s:.1} s | ≤ 60 s |\n\
| request latency p50 / p95 | {:.0} ms / {:.0} ms | — |\n\
| server peak RSS | {rss_mib} MiB | ≤ 512 MiB |\n\
| expedientes on the server afterwards | {conn} of {expected} | nothing lost |\n",
        pct(lat.clone(), 0.5),
        pct(lat, 0.95)
    ))
}

fn rusqlite_count(data: &Path) -> Result<i64> {
    let c = brigada_core::store::RawConnection::open(data.join("brigada-sync.db"))?;
    Ok(c.query_row("SELECT count(*) FROM docs WHERE kind = 'expediente'", [], |r| r.get(0))?)
}
