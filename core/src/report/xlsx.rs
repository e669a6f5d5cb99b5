//! A report as an Excel workbook: one sheet per table (see [`super::tables`]), each with
//! its headings in bold, frozen and filterable, counts and hours as numbers and moments as
//! real dates, so the office sorts, filters and sums without retyping.

use brigada_record::msg;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::tables::{Cell, Table};
use crate::error::{Error, Result};

fn failed(e: XlsxError) -> Error {
    Error::InvalidInput(msg!("report.xlsx_failed", detail = e.to_string()))
}

/// The workbook's bytes.
pub fn workbook(tables: &[Table]) -> Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let formats = Formats {
        heading: Format::new().set_bold(),
        day: Format::new().set_num_format("dd/mm/yyyy"),
        moment: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
        number: Format::new().set_num_format("0.0"),
    };
    for t in tables {
        let ws = wb.add_worksheet();
        sheet(ws, t, &formats).map_err(failed)?;
    }
    wb.save_to_buffer().map_err(failed)
}

struct Formats {
    heading: Format,
    day: Format,
    moment: Format,
    number: Format,
}

fn sheet(ws: &mut Worksheet, t: &Table, f: &Formats) -> std::result::Result<(), XlsxError> {
    // Excel refuses these in a sheet's name; the catalog's names have none, but be sure.
    let name: String = t
        .sheet
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .take(31)
        .collect();
    ws.set_name(name)?;
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, col(c), h, &f.heading)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = col(c);
            match cell {
                Cell::Text(s) => ws.write_string(r, c, within_cell(s))?,
                Cell::Count(n) => ws.write_number(r, c, *n as f64)?,
                Cell::Number(x) => ws.write_number_with_format(r, c, *x, &f.number)?,
                Cell::Day(d) => ws.write_datetime_with_format(r, c, d, &f.day)?,
                Cell::Moment(m) => ws.write_datetime_with_format(r, c, m, &f.moment)?,
                Cell::Empty => continue,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    if !t.headers.is_empty() {
        let last_row = u32::try_from(t.rows.len()).unwrap_or(u32::MAX);
        ws.autofilter(0, 0, last_row, col(t.headers.len() - 1))?;
    }
    ws.autofit();
    Ok(())
}

/// Excel holds at most 32,767 characters in a cell; a longer text (a pasted note) is cut
/// there rather than failing the whole workbook.
fn within_cell(s: &str) -> &str {
    const MAX: usize = 32_767;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_overlong_text_is_cut_to_what_excel_holds_and_the_workbook_is_written() {
        let long = "ñ".repeat(40_000);
        assert_eq!(within_cell(&long).chars().count(), 32_767);
        assert_eq!(within_cell("corto"), "corto");
        let t = Table {
            sheet: "Material: [todo]?".into(),
            file: "material.csv",
            headers: vec!["Material".into()],
            rows: vec![vec![Cell::Text(long)]],
        };
        assert!(workbook(&[t]).unwrap().starts_with(b"PK"));
    }
}
