//! `make bench`, the archive as it grows (issue 13): the office's list, its search and
//! filters, the Panel's figures, the list behind a figure and the spreadsheet export, at
//! 10,000 and 100,000 expedientes (an archive of years, see `archive_of_years`), p50/p95 over
//! repeated runs. Writes the "Archive at scale" section of docs/BENCHMARKS.md.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use brigada_core::messages::Locale;
use brigada_core::report::{Figure, Period, xlsx};
use brigada_core::store::Store;
use brigada_core::store::index::Filter;
use brigada_scenarios::*;

/// The archive ends on 2026-12-01 (Mexico City's midnight): its last month is November.
const END: i64 = 1_796_104_800_000;

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
    let (p50, p95) = (pct(v.clone(), 0.5), pct(v, 0.95));
    eprintln!("archive_bench: {what}: {p50:.2} / {p95:.2} ms");
    rows.push(Row {
        what: what.to_owned(),
        p50,
        p95,
    });
    Ok(())
}

/// The fixture of `n` expedientes: built in a temporary folder, or with `--keep DIR` kept in
/// `DIR/n` and reused by later runs (opening it runs any newer migration and reindex, as a
/// real archive would), so a change to the queries is measured without rebuilding it.
fn fixture(n: usize, keep: Option<&PathBuf>) -> Result<(Store, Option<tempfile::TempDir>, f64)> {
    let (home, tmp) = match keep {
        Some(dir) => (dir.join(n.to_string()), None),
        None => {
            let t = tempfile::tempdir()?;
            (t.path().join("home"), Some(t))
        }
    };
    let built = home.join("fixture-built");
    if built.exists() {
        let t = Instant::now();
        let store = Store::open(&home, PASS)?;
        eprintln!(
            "archive_bench: reused {} ({:.0} s to open)",
            home.display(),
            t.elapsed().as_secs_f64()
        );
        let build_s: f64 = std::fs::read_to_string(&built)?.trim().parse().unwrap_or(0.0);
        return Ok((store, tmp, build_s));
    }
    if home.exists() {
        std::fs::remove_dir_all(&home)?;
    }
    let mut store = init_store(&home, "Oficina 90");
    let t = Instant::now();
    archive_of_years(&mut store, n, END)?;
    let build_s = t.elapsed().as_secs_f64();
    std::fs::write(&built, format!("{build_s:.0}"))?;
    Ok((store, tmp, build_s))
}

/// What one size measured: the fixture's build, one rebuild of the index, the table's rows.
struct Size {
    build_s: f64,
    rebuild_s: f64,
    rows: Vec<Row>,
}

fn at_size(n: usize, keep: Option<&PathBuf>, rebuild: bool) -> Result<Size> {
    let (mut store, _tmp, build_s) = fixture(n, keep)?;
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
    measure(&mut rows, "search: how many match (the page's \"de N\")", 200, |i| {
        let n = store.count(&Filter {
            query: Some(words[i % words.len()].into()),
            ..Default::default()
        })?;
        anyhow::ensure!(n > 0, "none for {}", words[i % words.len()]);
        Ok(())
    })?;
    let day = 86_400_000_i64;
    // Seven days within the archive's last month, open ones and finished ones in turn.
    let start = END - 30 * day;
    measure(
        &mut rows,
        "filters: state + procedure + sección + técnico + days, first 50",
        200,
        |i| {
            list(Filter {
                state: Some(if i % 2 == 0 { "en-curso" } else { "terminado" }.into()),
                procedure: Some("P1".into()),
                seccion: Some("RT".into()),
                assignee: Some("Ana Karen Hernández López".into()),
                created_from: Some(start + (i as i64 % 23) * day),
                created_before: Some(start + (i as i64 % 23 + 7) * day),
                limit: Some(50),
                ..Default::default()
            })
            .map(|_| ())
        },
    )?;
    let month = Period::typed(Some("2026-11-01"), Some("2026-11-30"), None)?;
    let first_day = brigada_core::time::from_ms(END - n as i64 * 25 * 60_000)
        .format("%Y-%m-%d")
        .to_string();
    let everything = Period::typed(Some(&first_day), Some("2026-11-30"), None)?;
    measure(&mut rows, "Panel figures, one month", 60, |_| {
        store.report(&month).map(|_| ()).map_err(Into::into)
    })?;
    let year = Period::typed(Some("2025-12-01"), Some("2026-11-30"), None)?;
    measure(&mut rows, "Panel figures, one year", 40, |_| {
        store.report(&year).map(|_| ()).map_err(Into::into)
    })?;
    measure(&mut rows, "Panel figures, the whole archive", 40, |_| {
        store.report(&everything).map(|_| ()).map_err(Into::into)
    })?;
    // A year long over, one sección: the jobs open at its end are found by their spans.
    let past = Period::typed(Some("2024-01-01"), Some("2024-12-31"), Some("RT".into()))?;
    measure(
        &mut rows,
        "Panel figures, one past year (2024), one sección",
        40,
        |_| store.report(&past).map(|_| ()).map_err(Into::into),
    )?;
    measure(
        &mut rows,
        "list behind a figure (open at the end of one month), first page of 100",
        40,
        |_| {
            let page = brigada_core::report::Page { offset: 0, limit: 100 };
            store
                .report_jobs(&month, &Figure::Open, brigada_core::time::now_ms(), page)
                .map(|_| ())
                .map_err(Into::into)
        },
    )?;
    // The fixture holds no files: every photo and signature counts as yet to arrive (the
    // worst case of this query).
    measure(&mut rows, "devices and files yet to arrive", 40, |_| {
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
    // What the first opening after an update that adds index tables does, once.
    let t = Instant::now();
    if rebuild {
        store.reindex()?;
    }
    let rebuild_s = t.elapsed().as_secs_f64();
    Ok(Size {
        build_s,
        rebuild_s,
        rows,
    })
}

fn main() -> Result<()> {
    let arg = |name: &str| std::env::args().skip_while(|a| a != name).nth(1);
    let out = arg("--out").map(PathBuf::from);
    let keep = arg("--keep").map(PathBuf::from);
    let sizes: Vec<usize> = arg("--sizes")
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![10_000, 100_000]);
    let mut body = String::from(
        "Release build, one process, this machine; an archive of years in an encrypted store: \
         one P1 job every 25 minutes up to 2026-12-01 (100,000 go back to March 2022), in four \
         secciones (half RT), each for one of six técnicos or two of them; those older than two \
         weeks finished at any moment within 1–10 days (every step, the Formato signed, a change \
         per step; one in 200 corrected after signing) but one in fifty, the others written \
         change by change; the store holds no photo or signature files; p50 / p95 in ms. Bar: \
         search, filters and the Panel's figures ≤ 10 ms p95 at 100,000.\n\n| what |",
    );
    let mut results = Vec::new();
    // `--no-rebuild`: the queries alone (trying a change; not for BENCHMARKS.md).
    let rebuild = !std::env::args().any(|a| a == "--no-rebuild");
    for &n in &sizes {
        eprintln!("archive_bench: building {n} expedientes");
        results.push((n, at_size(n, keep.as_ref(), rebuild)?));
    }
    for (n, _) in &results {
        body.push_str(&format!(" {n} (p50 / p95) |"));
    }
    body.push_str("\n|---|");
    for _ in &results {
        body.push_str("---|");
    }
    body.push('\n');
    let whats: Vec<String> = results[0].1.rows.iter().map(|r| r.what.clone()).collect();
    for (i, what) in whats.iter().enumerate() {
        body.push_str(&format!("| {what} |"));
        for (_, Size { rows, .. }) in &results {
            body.push_str(&format!(" {:.2} / {:.2} |", rows[i].p50, rows[i].p95));
        }
        body.push('\n');
    }
    for (n, size) in &results {
        body.push_str(&format!(
            "\n{n} expedientes: building the fixture took {:.0} s; rebuilding the index from the \
             documents (what the first opening after an update that adds index tables does) \
             took {:.0} s.\n",
            size.build_s, size.rebuild_s
        ));
    }
    print!("{body}");
    if let Some(path) = out {
        write_section(&path, "Archive at scale", &body)?;
    }
    Ok(())
}
