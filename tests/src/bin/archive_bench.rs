//! `make bench`, the archive as it grows (issue 13): the office's list, its search and
//! filters, the Panel's figures, the list behind a figure and the spreadsheet export, at
//! 10,000 and 100,000 expedientes (realistic P1 jobs, see the fixture), p50/p95 over
//! repeated runs. Writes the "Archive at scale" section of docs/BENCHMARKS.md.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use brigada_core::messages::Locale;
use brigada_core::report::{Figure, Period, xlsx};
use brigada_core::store::index::Filter;
use brigada_scenarios::*;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

struct Row {
    what: String,
    p50: f64,
    p95: f64,
}

fn measure(rows: &mut Vec<Row>, what: &str, runs: usize, mut f: impl FnMut(usize) -> Result<()>) -> Result<()> {
    let mut v = Vec::with_capacity(runs);
    for i in 0..runs {
        let t = Instant::now();
        f(i)?;
        v.push(ms(t));
    }
    rows.push(Row {
        what: what.to_owned(),
        p50: pct(v.clone(), 0.5),
        p95: pct(v, 0.95),
    });
    Ok(())
}

fn at_size(n: usize) -> Result<(f64, Vec<Row>)> {
    let dir = tempfile::tempdir()?;
    let mut store = init_store(&dir.path().join("home"), "Oficina 90");
    let t = Instant::now();
    // Opened a minute apart from 2026-09-21 on: 100,000 span 69 days.
    realistic_expedientes(&mut store, n)?;
    let build_s = t.elapsed().as_secs_f64();
    store
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;")?;
    let words = SEARCH_WORDS;
    let mut rows = Vec::new();
    let list = |f: Filter| -> Result<usize> { Ok(store.list(&f)?.len()) };
    measure(&mut rows, "list, first 50", 200, |_| {
        list(Filter {
            limit: Some(50),
            ..Default::default()
        })
        .map(|_| ())
    })?;
    measure(&mut rows, "search (accent-folded word), first 50", 200, |i| {
        let found = list(Filter {
            query: Some(words[i % words.len()].into()),
            limit: Some(50),
            ..Default::default()
        })?;
        anyhow::ensure!(found > 0, "nothing for {}", words[i % words.len()]);
        Ok(())
    })?;
    let day = 86_400_000_i64;
    let start = 1_790_000_000_000_i64;
    measure(
        &mut rows,
        "filters: state + procedure + sección + técnico + days, first 50",
        200,
        |i| {
            list(Filter {
                state: Some("en-curso".into()),
                procedure: Some("P1".into()),
                seccion: Some("RT".into()),
                assignee: Some("Ana Karen Hernández López".into()),
                created_from: Some(start + (i as i64 % 30) * day),
                created_before: Some(start + (i as i64 % 30 + 7) * day),
                limit: Some(50),
                ..Default::default()
            })
            .map(|_| ())
        },
    )?;
    let month = Period::typed(Some("2026-10-01"), Some("2026-10-31"), None)?;
    let everything = Period::typed(Some("2026-09-01"), Some("2026-12-31"), None)?;
    measure(&mut rows, "Panel figures, one month", 30, |_| {
        store.report(&month).map(|_| ()).map_err(Into::into)
    })?;
    measure(&mut rows, "Panel figures, the whole archive", 10, |_| {
        store.report(&everything).map(|_| ()).map_err(Into::into)
    })?;
    measure(
        &mut rows,
        "list behind a figure (open at the end of one month)",
        10,
        |_| {
            store
                .report_jobs(&month, &Figure::Open, brigada_core::time::now_ms())
                .map(|_| ())
                .map_err(Into::into)
        },
    )?;
    // The fixture holds no files: every photo and signature counts as yet to arrive (the
    // worst case of this query).
    measure(&mut rows, "devices and files yet to arrive", 10, |_| {
        store
            .devices_status(brigada_core::time::now_ms())
            .map(|_| ())
            .map_err(Into::into)
    })?;
    measure(&mut rows, "spreadsheet (XLSX) of one month, list included", 3, |_| {
        let (_, tables) = store.report_tables(&month, Locale::Es)?;
        xlsx::workbook(&tables)?;
        Ok(())
    })?;
    Ok((build_s, rows))
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let sizes: Vec<usize> = arg("--sizes")
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let mut body = String::from(
        "Release build, one process, this machine; realistic P1 expedientes (about 20 changes \
         each) in an encrypted store; p50 / p95 in ms. Bar: search, filters and the Panel's \
         figures ≤ 10 ms p95 at 100,000.\n\n| what |",
    );
    let mut results = Vec::new();
    for &n in &sizes {
        eprintln!("archive_bench: building {n} expedientes");
        results.push((n, at_size(n)?));
    }
    for (n, _) in &results {
        body.push_str(&format!(" {n} (p50 / p95) |"));
    }
    body.push_str("\n|---|");
    for _ in &results {
        body.push_str("---|");
    }
    body.push('\n');
    let whats: Vec<String> = results[0].1.1.iter().map(|r| r.what.clone()).collect();
    for (i, what) in whats.iter().enumerate() {
        body.push_str(&format!("| {what} |"));
        for (_, (_, rows)) in &results {
            body.push_str(&format!(" {:.2} / {:.2} |", rows[i].p50, rows[i].p95));
        }
        body.push('\n');
    }
    for (n, (build_s, _)) in &results {
        body.push_str(&format!("\nBuilding the {n}-expediente fixture took {build_s:.0} s.\n"));
    }
    print!("{body}");
    if let Some(path) = out {
        write_section(&path, "Archive at scale", &body)?;
    }
    Ok(())
}
