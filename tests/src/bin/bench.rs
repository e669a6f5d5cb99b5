//! `make bench`: measures the core against the brief's bars and writes
//! docs/BENCHMARKS.md. Release build, one process, this machine.
//!
//! The 10,000 expedientes are realistic: P1 jobs about 20 changes deep (fields, steps,
//! materials, comments), each referencing a photo and a signature. They are built in
//! memory with the same document code the store uses and inserted in bulk, because
//! writing 200,000 edits one fsync at a time would take the benchmark an hour; the
//! per-edit durable write is measured separately on the real path.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use brigada_core::store::index::Filter;
use brigada_core::{qr, tag};
use brigada_scenarios::*;
use rand::Rng;

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let n_docs: usize = arg("--n").and_then(|n| n.parse().ok()).unwrap_or(10_000);
    #[allow(non_snake_case)]
    let N = n_docs.max(500) / 500 * 500;
    let kills: usize = arg("--kills").and_then(|n| n.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir()?;
    let home = dir.path().join("home");
    let mut store = init_store(&home, "Tablet 90");

    // Build.
    let t0 = Instant::now();
    let changes_total = realistic_expedientes(&mut store, N)?;
    let mut rng = rand::thread_rng();
    let build_s = t0.elapsed().as_secs_f64();
    store.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let db_bytes = std::fs::metadata(home.join("brigada.db"))?.len();

    // List and search.
    let words = SEARCH_WORDS;
    let mut list_ms = Vec::new();
    let mut search_ms = Vec::new();
    for i in 0..300 {
        let t = Instant::now();
        let r = store.list(&Filter {
            limit: Some(50),
            ..Default::default()
        })?;
        list_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(r.len(), 50);
        let t = Instant::now();
        let r = store.list(&Filter {
            query: Some(words[i % words.len()].into()),
            limit: Some(50),
            ..Default::default()
        })?;
        search_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(!r.is_empty(), "{}", words[i % words.len()]);
    }
    // Open.
    let mut open_ms = Vec::new();
    for _ in 0..300 {
        let n = rng.gen_range(0..N);
        let t = Instant::now();
        let v = store.view(&uuid_v7(n))?;
        open_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(!v.expediente.log.is_empty());
    }
    // Durable edit on the real path (change, fsync'd commit, reindex), as the app does it:
    // the expediente is open, the technician records several things in a row. And cold:
    // a one-shot CLI command that first loads the document from disk.
    let mut edit_ms = Vec::new();
    let mut cold_ms = Vec::new();
    for i in 0..200 {
        let id = uuid_v7(rng.gen_range(0..N));
        let t = Instant::now();
        store.comment(&id, &format!("nota fría {i}"))?;
        cold_ms.push(t.elapsed().as_secs_f64() * 1e3);
        for k in 0..4 {
            let t = Instant::now();
            store.comment(&id, &format!("nota de bench {i}.{k}"))?;
            edit_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }

    // QR on the real photos and on a 1280×720 frame.
    let photos = qr_cases();
    let mut decoded = 0;
    let mut wrong = 0;
    let mut photo_ms = Vec::new();
    for (img, expected) in &photos {
        let g = image::open(img)?.to_luma8();
        let t = Instant::now();
        let r = qr::decode_image(&g);
        photo_ms.push(t.elapsed().as_secs_f64() * 1e3);
        match r {
            Ok(d) if d.payload.replace("\r\n", "\n") == *expected => decoded += 1,
            Ok(_) => wrong += 1,
            Err(_) => {}
        }
    }
    let tag_img = qr::encode_luma(&tag::format(123), 6)?;
    let mut frame = image::GrayImage::from_pixel(1280, 720, image::Luma([200]));
    image::imageops::overlay(&mut frame, &tag_img, 500, 200);
    let mut frame_ms = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let d = qr::decode_image(&frame)?;
        frame_ms.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(d.tag.is_some());
    }
    let empty = image::GrayImage::from_pixel(1280, 720, image::Luma([128]));
    let mut empty_ms = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let _ = qr::decode_image(&empty);
        empty_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }

    // The key derivation a new store gets: one unlock, and one guess of an offline attack.
    let params = brigada_core::store::kdf::KdfParams::new_random();
    let mut kdf_ms = Vec::new();
    for i in 0..7 {
        let t = Instant::now();
        brigada_core::store::kdf::derive(&format!("2048193{i}"), &params)?;
        kdf_ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let kdf50 = pct(kdf_ms, 0.5);
    // Every 8-digit PIN the policy allows (all but ten repeated digits and the runs).
    let pin_days = 1e8 * kdf50 / 1e3 / 86_400.0;

    // kill -9.
    let writer = std::env::current_exe()?.with_file_name("crash_writer");
    let rounds = kills;
    let acked = kill_rounds(&writer, rounds);

    let report = format!(
        "# Benchmarks\n\n\
Measured by `make bench` (release build) on this project's machine: 2 cores, 24 GiB,\n\
SQLCipher with WAL and `synchronous = FULL`. Numbers from the run of {date}.\n\n\
## Core store ({N} realistic expedientes)\n\n\
Each expediente: P1, {avg_changes:.1} Automerge changes on average (fields, steps, materials,\n\
a photo and a signature referenced by hash, a comment). Build (in memory + bulk insert): {build_s:.1} s.\n\n\
| what | result | bar |\n|---|---|---|\n\
| list, first 50 of {N} (p95) | {list95:.2} ms | ≤ 50 ms |\n\
| search, accent-folded FTS5 (p95) | {search95:.2} ms | ≤ 50 ms |\n\
| open one expediente (load + hydrate + engine, p95) | {open95:.2} ms | ≤ 20 ms |\n\
| durable edit, expediente open (change, fsync'd commit, reindex; p99) | {edit99:.2} ms (p50 {edit50:.2} ms) | ≤ 5 ms |\n\
| durable edit, cold (load from disk first, as one CLI command; p99) | {cold99:.2} ms (p50 {cold50:.2} ms) | — |\n\
| bytes on disk per expediente (database incl. index and FTS) | {per_exp} B | — |\n\n\
## QR decoding (zxing-cpp)\n\n\
| what | result | bar |\n|---|---|---|\n\
| real photos (`testdata/qr-photos`, 64 names) | {decoded} decoded, {wrong} wrong | ≥ 36 (zbar), 0 wrong |\n\
| median per photo | {photo50:.2} ms | — |\n\
| 1280×720 frame with a tag, median, one core | {frame50:.2} ms | ≤ 15 ms |\n\
| 1280×720 frame with no code, median | {empty50:.2} ms | — |\n\n\
Decoders compared on the same 64 photos (one-off measurement, `qrbench` in a scratch\n\
crate, 2026-11-28): zxing-cpp 0.5 60 decoded / 0 wrong (with plain text mode and\n\
\"several codes in view\" refused); rqrr 0.11 23 / 1 wrong; rxing 0.7 19 / 3 wrong; zbar 0.23\n\
36 / 10 wrong (figures from the test set's README).\n\n\
## Passphrase (key derivation)\n\n\
| what | result | bar |\n|---|---|---|\n\
| Argon2id of a new store ({m} MiB, {t} passes), one derivation (median of 7) | {kdf50:.0} ms | unlock < 1 s |\n\
| every allowed 8-digit PIN tried on one core at that rate | {pin_days:.0} days | ≥ 30 days |\n\n\
## Crash safety\n\n\
| what | result |\n|---|---|\n\
| SIGKILL of a writer at random moments (30–250 ms) | {rounds} kills, {acked} acknowledged edits, 0 lost, the store opened every time |\n",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        avg_changes = changes_total as f64 / N as f64,
        list95 = pct(list_ms, 0.95),
        search95 = pct(search_ms, 0.95),
        open95 = pct(open_ms, 0.95),
        edit99 = pct(edit_ms.clone(), 0.99),
        edit50 = pct(edit_ms, 0.50),
        cold99 = pct(cold_ms.clone(), 0.99),
        cold50 = pct(cold_ms, 0.50),
        per_exp = db_bytes / N as u64,
        photo50 = pct(photo_ms, 0.5),
        frame50 = pct(frame_ms, 0.5),
        empty50 = pct(empty_ms, 0.5),
        m = params.m_cost / 1024,
        t = params.t_cost,
    );
    print!("{report}");
    if let Some(p) = out {
        // Keep the sync section that `sync_bench` writes.
        let old = std::fs::read_to_string(&p).unwrap_or_default();
        let sync = old.find("\n## Sync").map(|i| &old[i..]).unwrap_or("");
        std::fs::write(p, format!("{report}{sync}"))?;
    }
    Ok(())
}
