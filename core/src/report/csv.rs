//! A report as CSV files, one per table (see [`super::tables`]): for tools that read no
//! spreadsheets. Days are written `YYYY-MM-DD` and moments `YYYY-MM-DD HH:MM` (Mexico
//! City's wall clock), which every spreadsheet and script reads as dates; numbers with a
//! decimal point.

use std::path::{Path, PathBuf};

use super::tables::{Cell, Table};
use crate::error::{Error, Result};

/// One table's CSV text.
pub fn text(t: &Table) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let bad = |e: ::csv::Error| Error::Io(std::io::Error::other(e.to_string()));
    w.write_record(&t.headers).map_err(bad)?;
    for row in &t.rows {
        w.write_record(row.iter().map(cell)).map_err(bad)?;
    }
    w.into_inner().map_err(|e| Error::Io(e.into_error()))
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Count(n) => n.to_string(),
        Cell::Number(x) => format!("{x:.1}"),
        Cell::Day(d) => d.format("%Y-%m-%d").to_string(),
        Cell::Moment(m) => m.format("%Y-%m-%d %H:%M").to_string(),
        Cell::Empty => String::new(),
    }
}

/// Write every table into `dir` (made if missing), each file durable before this returns.
/// Returns the files written.
pub fn write_all(tables: &[Table], dir: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut out = Vec::new();
    for t in tables {
        let path = dir.join(t.file);
        crate::files::write_whole(&path, &text(t)?)?;
        out.push(path);
    }
    Ok(out)
}
