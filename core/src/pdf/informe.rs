//! The department's monthly report (Informe mensual) on letter paper: the institutional
//! header, the period and sección, the totals, charts (opened and closed per week, open
//! jobs by state and age, time to close, work per técnico) and the tables of the report,
//! through the same canvas and krilla writer as the official papers. Charts are vector
//! bars in grays, so the report prints the same on the office's black-and-white printer.
//! The list of expedientes is not repeated here: it is the spreadsheet's last sheet.

use chrono::NaiveDate;

use super::canvas::{Page, Weight, face};
use super::text::wrap;
use crate::error::Result;
use crate::forms::wording::{DEPARTAMENTO, DIRECCION, INSTITUCION, long_date_ms};
use crate::messages::{Locale, Message};
use crate::msg;
use crate::report::Report;
use crate::report::tables::{Cell, Table, person_words, state_words};

const W: f32 = 612.0;
const H: f32 = 792.0;
const MARGIN: f32 = 50.0;
const BOTTOM: f32 = H - 60.0;
const DARK: u8 = 70;
const LIGHT: u8 = 175;

struct Flow {
    pages: Vec<Page>,
    y: f32,
}

impl Flow {
    fn page(&mut self) -> &mut Page {
        if self.pages.is_empty() {
            self.pages.push(Page::new(W, H));
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn ensure(&mut self, h: f32) {
        if self.pages.is_empty() || self.y + h > BOTTOM {
            let mut p = Page::new(W, H);
            p.text(MARGIN, 40.0, 8.0, Weight::Regular, INSTITUCION);
            p.text(MARGIN, 50.0, 8.0, Weight::Regular, DEPARTAMENTO);
            self.pages.push(p);
            self.y = 72.0;
        }
    }

    fn heading(&mut self, text: &str) {
        self.ensure(70.0);
        self.y += 18.0;
        let y = self.y;
        let p = self.page();
        p.text(MARGIN, y, 10.0, Weight::Bold, text.to_uppercase());
        p.line(MARGIN, y + 3.0, W - MARGIN, y + 3.0, 0.6);
        self.y += 12.0;
    }

    fn note(&mut self, text: &str) {
        for l in wrap(face(Weight::Regular), text, 8.5, W - 2.0 * MARGIN) {
            self.ensure(12.0);
            let y = self.y + 8.5;
            self.page().text_gray(MARGIN, y, 8.5, 90, l);
            self.y += 12.0;
        }
    }

    /// Horizontal bars, one per item, scaled to the largest; the value at the bar's end.
    fn bars(&mut self, items: &[(String, f64, String)]) {
        let max = items.iter().map(|i| i.1).fold(0.0_f64, f64::max);
        let label_w = 150.0;
        // The longest value written after its bar stays inside the margin.
        let widest = items
            .iter()
            .map(|i| face(Weight::Bold).width(&i.2, 8.5))
            .fold(0.0_f32, f32::max);
        let room = (W - 2.0 * MARGIN - label_w - widest - 8.0).max(40.0);
        for (label, value, shown) in items {
            self.ensure(16.0);
            let y = self.y;
            let p = self.page();
            let l = wrap(face(Weight::Regular), label, 8.5, label_w - 6.0);
            p.text(
                MARGIN,
                y + 10.0,
                8.5,
                Weight::Regular,
                l.first().cloned().unwrap_or_default(),
            );
            let w = if max > 0.0 { (value / max) as f32 * room } else { 0.0 };
            if w > 0.0 {
                p.rect(MARGIN + label_w, y + 2.0, w.max(1.0), 10.0, 0.0, Some(DARK));
            }
            p.text(MARGIN + label_w + w + 5.0, y + 10.0, 8.5, Weight::Bold, shown.clone());
            self.y += 15.0;
        }
        self.y += 4.0;
    }

    /// Paired columns per week: opened (dark) and closed (light), counts above them.
    fn weeks(&mut self, weeks: &[(String, usize, usize)], legend: (&str, &str)) {
        let h = 110.0;
        self.ensure(h + 40.0);
        let top = self.y + 14.0;
        let base = top + h;
        let max = weeks.iter().map(|w| w.1.max(w.2)).max().unwrap_or(0).max(1) as f32;
        let slot = (W - 2.0 * MARGIN) / weeks.len().max(1) as f32;
        let bar = (slot * 0.3).min(26.0);
        let p = self.page();
        p.line(MARGIN, base, W - MARGIN, base, 0.6);
        // A long period has many weeks: counts over the bars only while they fit, and a
        // week's date under every few bars.
        let counts = weeks.len() <= 16;
        let every = weeks.len().div_ceil(12).max(1);
        for (i, (label, opened, closed)) in weeks.iter().enumerate() {
            let cx = MARGIN + slot * (i as f32 + 0.5);
            for (k, (n, gray)) in [(*opened, DARK), (*closed, LIGHT)].into_iter().enumerate() {
                let bh = n as f32 / max * (h - 14.0);
                let x = cx - bar - 1.0 + k as f32 * (bar + 2.0);
                if bh > 0.0 {
                    p.rect(x, base - bh, bar, bh, 0.0, Some(gray));
                }
                if counts {
                    p.text_centered(x + bar / 2.0, base - bh - 3.0, 7.5, Weight::Bold, &n.to_string());
                }
            }
            if i % every == 0 {
                p.text_centered(cx, base + 11.0, 7.5, Weight::Regular, label);
            }
        }
        let ly = base + 26.0;
        p.rect(MARGIN, ly - 7.0, 8.0, 8.0, 0.0, Some(DARK));
        p.text(MARGIN + 12.0, ly, 8.0, Weight::Regular, legend.0);
        let x2 = MARGIN + 24.0 + face(Weight::Regular).width(legend.0, 8.0);
        p.rect(x2, ly - 7.0, 8.0, 8.0, 0.0, Some(LIGHT));
        p.text(x2 + 12.0, ly, 8.0, Weight::Regular, legend.1);
        self.y = ly + 8.0;
    }

    /// A table: headings on gray, text left and numbers right, one line per row.
    fn table(&mut self, t: &Table, empty: &str) {
        if t.rows.is_empty() {
            self.note(empty);
            return;
        }
        let cols = t.headers.len().max(1);
        let total = W - 2.0 * MARGIN;
        let first = if cols > 2 { total * 0.34 } else { total * 0.6 };
        let rest = (total - first) / (cols - 1).max(1) as f32;
        let x_of = |c: usize| {
            if c == 0 {
                MARGIN
            } else {
                MARGIN + first + rest * (c - 1) as f32
            }
        };
        let w_of = |c: usize| if c == 0 { first } else { rest };
        // Numbers right-aligned under right-aligned headings; text left under left.
        let numeric: Vec<bool> = (0..cols)
            .map(|c| c > 0 && t.rows[0].get(c).is_some_and(|cell| words(cell).1))
            .collect();
        let head = |f: &mut Flow| {
            f.ensure(32.0);
            let y = f.y;
            let p = f.page();
            p.rect(MARGIN, y, total, 14.0, 0.0, Some(225));
            for (c, h) in t.headers.iter().enumerate() {
                let text = wrap(face(Weight::Bold), h, 7.5, w_of(c) - 6.0)
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                if numeric[c] {
                    p.text_right(x_of(c) + w_of(c) - 3.0, y + 10.0, 7.5, Weight::Bold, &text);
                } else {
                    p.text(x_of(c) + 3.0, y + 10.0, 7.5, Weight::Bold, text);
                }
            }
            f.y += 15.0;
        };
        head(self);
        for row in &t.rows {
            if self.y + 13.0 > BOTTOM {
                self.ensure(40.0);
                head(self);
            }
            let y = self.y;
            let p = self.page();
            for (c, cell) in row.iter().enumerate() {
                let (text, right) = words(cell);
                if right && numeric[c] {
                    p.text_right(x_of(c) + w_of(c) - 3.0, y + 9.5, 8.5, Weight::Regular, &text);
                } else {
                    let fit = wrap(face(Weight::Regular), &text, 8.5, w_of(c) - 6.0);
                    p.text(
                        x_of(c) + 3.0,
                        y + 9.5,
                        8.5,
                        Weight::Regular,
                        fit.first().cloned().unwrap_or_default(),
                    );
                }
            }
            p.line(MARGIN, y + 13.0, MARGIN + total, y + 13.0, 0.2);
            self.y += 13.0;
        }
        self.y += 6.0;
    }
}

/// A cell as printed, and whether it is a number (right-aligned).
fn words(c: &Cell) -> (String, bool) {
    match c {
        Cell::Text(s) => (s.clone(), false),
        Cell::Count(n) => (n.to_string(), true),
        Cell::Number(x) => (format!("{x:.1}"), true),
        Cell::Day(d) => (d.format("%d/%m/%Y").to_string(), false),
        Cell::Moment(m) => (m.format("%d/%m/%Y %H:%M").to_string(), false),
        Cell::Empty => (String::new(), false),
    }
}

fn short_day(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_or_else(|_| iso.to_owned(), |d| d.format("%d/%m").to_string())
}

fn long_day(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_or_else(|_| iso.to_owned(), |d| d.format("%d/%m/%Y").to_string())
}

/// The Informe mensual of `r` (its `tables`, as [`crate::report::tables::tables`] makes them),
/// issued at `now` (ms).
pub fn informe(r: &Report, tables: &[Table], locale: Locale, now: i64) -> Result<Vec<u8>> {
    let say = |m: Message| m.render(locale);
    let mut f = Flow {
        pages: vec![Page::new(W, H)],
        y: 0.0,
    };
    {
        let p = f.page();
        p.text(MARGIN, 52.0, 11.0, Weight::Bold, INSTITUCION);
        p.text(MARGIN, 65.0, 8.5, Weight::Regular, DIRECCION);
        p.text(MARGIN, 76.0, 8.5, Weight::Regular, DEPARTAMENTO);
        p.text_centered(
            W / 2.0,
            112.0,
            14.0,
            Weight::Bold,
            &say(msg!("informe.title")).to_uppercase(),
        );
        let seccion = r.seccion.clone().unwrap_or_else(|| say(msg!("cli.report_all")));
        let period = say(msg!(
            "cli.report_period",
            from = long_day(&r.from),
            to = long_day(&r.to),
            seccion = seccion
        ));
        p.text_centered(W / 2.0, 128.0, 9.5, Weight::Regular, &period);
    }
    f.y = 140.0;

    // The totals, large, in boxes.
    let totals = [
        (say(msg!("report.row.opened")), r.opened),
        (say(msg!("report.row.closed")), r.closed),
        (say(msg!("report.row.open")), r.open_at_end),
        (say(msg!("report.row.bajas")), r.bajas),
    ];
    let bw = (W - 2.0 * MARGIN - 3.0 * 8.0) / 4.0;
    let y = f.y + 8.0;
    for (i, (label, n)) in totals.iter().enumerate() {
        let x = MARGIN + i as f32 * (bw + 8.0);
        let p = f.page();
        p.rect(x, y, bw, 52.0, 0.8, None);
        p.text_centered(x + bw / 2.0, y + 26.0, 20.0, Weight::Bold, &n.to_string());
        for (k, l) in wrap(face(Weight::Regular), label, 7.5, bw - 8.0)
            .iter()
            .take(2)
            .enumerate()
        {
            p.text_centered(x + bw / 2.0, y + 38.0 + 8.5 * k as f32, 7.5, Weight::Regular, l);
        }
    }
    f.y = y + 60.0;
    let table = |name: &str| tables.iter().find(|t| t.file == name);
    let nothing = say(msg!("informe.nothing"));

    f.heading(&say(msg!("informe.weeks")));
    let weeks: Vec<_> = r
        .weeks
        .iter()
        .map(|w| (short_day(&w.start), w.opened, w.closed))
        .collect();
    let (opened, closed) = (say(msg!("report.col.opened")), say(msg!("report.col.closed")));
    f.weeks(&weeks, (&opened, &closed));

    f.heading(&say(msg!("informe.open")));
    if r.open_at_end == 0 {
        f.note(&nothing);
    } else {
        let states: Vec<_> = r
            .open_by_state
            .iter()
            .map(|c| (state_words(&c.key, locale), c.n as f64, c.n.to_string()))
            .collect();
        f.bars(&states);
        let ages: Vec<_> = r
            .open_by_age
            .iter()
            .map(|c| {
                (
                    say(msg!("informe.days", days = c.key.clone())),
                    c.n as f64,
                    c.n.to_string(),
                )
            })
            .collect();
        f.bars(&ages);
    }

    f.heading(&say(msg!("report.sheet.close")));
    let medians: Vec<_> = r
        .time_to_close
        .iter()
        .map(|t| (t.procedure.clone(), t.median_hours, format!("{:.1} h", t.median_hours)))
        .collect();
    f.bars(&medians);
    if let Some(t) = table("tiempo_de_cierre.csv") {
        f.table(t, &nothing);
    }

    f.heading(&say(msg!("report.sheet.load")));
    let loads: Vec<_> = r
        .workload
        .iter()
        .map(|l| {
            (
                person_words(&l.person, locale),
                (l.open + l.closed) as f64,
                say(msg!("informe.load", open = l.open, closed = l.closed)),
            )
        })
        .collect();
    f.bars(&loads);
    if loads.is_empty() {
        f.note(&nothing);
    }

    for (sheet, file) in [
        (msg!("report.sheet.escalations"), "escalamientos.csv"),
        (msg!("report.sheet.materials"), "material.csv"),
        (msg!("report.sheet.papers"), "documentos.csv"),
        (msg!("report.sheet.devices"), "dispositivos.csv"),
    ] {
        f.heading(&say(sheet));
        if let Some(t) = table(file) {
            f.table(t, &nothing);
        }
    }
    f.note(&say(msg!(
        "cli.report_parts",
        into = r.parts_in,
        out = r.parts_out,
        bajas = r.bajas
    )));
    f.note(&say(msg!("informe.list_in_xlsx")));
    // Whose data: this device's, as of its last sync (an office device that has not synced
    // lately prints an incomplete month, and the paper says so).
    let written = |ms: i64| crate::time::written(crate::time::from_ms(ms));
    f.note(&say(match r.last_sync {
        Some(t) => msg!("informe.as_of", when = written(r.as_of), synced = written(t)),
        None => msg!("informe.as_of_never", when = written(r.as_of)),
    }));

    // Footer: when it was issued, and page n of m.
    let total = f.pages.len();
    let issued = say(msg!("informe.issued", when = long_date_ms(now)));
    for (i, p) in f.pages.iter_mut().enumerate() {
        p.line(MARGIN, H - 45.0, W - MARGIN, H - 45.0, 0.4);
        p.text_gray(MARGIN, H - 34.0, 7.5, 90, issued.clone());
        p.text_right(
            W - MARGIN,
            H - 34.0,
            7.5,
            Weight::Regular,
            &say(msg!("informe.page", n = i + 1, total = total)),
        );
    }
    super::canvas::write(&f.pages, &say(msg!("informe.title")), Vec::new())
}
