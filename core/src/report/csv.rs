//! A report as CSV files, one per table (see [`super::tables`]): for tools that read no
//! spreadsheets. Days are written `YYYY-MM-DD` and moments `YYYY-MM-DD HH:MM` (Mexico
//! City's wall clock), which every spreadsheet and script reads as dates; numbers with a
//! decimal point. Text typed on a device (an item, an área) that a spreadsheet would run
//! as a formula (`=`, `+`, `-`, `@`, a tab or a return first) is written with a leading
//! apostrophe: opening the office's CSV never runs what someone typed in the field.

use std::path::{Path, PathBuf};

use super::tables::{Cell, Table};
use crate::error::{Error, Result};

/// One table's CSV text, UTF-8 with the byte-order mark Excel needs to read "Área" as
/// such (other readers skip it).
pub fn text(t: &Table) -> Result<Vec<u8>> {
    let mut w = ::csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let bad = |e: ::csv::Error| Error::Io(std::io::Error::other(e.to_string()));
    w.write_record(&t.headers).map_err(bad)?;
    for row in &t.rows {
        w.write_record(row.iter().map(cell)).map_err(bad)?;
    }
    w.into_inner().map_err(|e| Error::Io(e.into_error()))
}

/// Text as a spreadsheet will show it, never as a formula it would run.
fn inert(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

fn cell(c: &Cell) -> String {
    match c {
        Cell::Text(s) => inert(s),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_never_becomes_a_formula_and_numbers_stay_numbers() {
        let t = Table {
            sheet: "Material".into(),
            file: "material.csv",
            headers: vec!["Material".into(), "Cantidad".into()],
            rows: vec![
                vec![
                    Cell::Text("=HYPERLINK(\"http://x\",\"clic\")".into()),
                    Cell::Number(-2.5),
                ],
                vec![Cell::Text("@SUM(A1)".into()), Cell::Count(3)],
                vec![Cell::Text("Cable UTP, cat 6".into()), Cell::Empty],
            ],
        };
        let text = String::from_utf8(super::text(&t).unwrap()).unwrap();
        let text = text.strip_prefix('\u{feff}').expect("the byte-order mark first");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], "\"'=HYPERLINK(\"\"http://x\"\",\"\"clic\"\")\",-2.5");
        assert_eq!(lines[2], "'@SUM(A1),3");
        assert_eq!(lines[3], "\"Cable UTP, cat 6\",");
    }
}
