//! Asset-tag labels: a QR of the tag, its number to read aloud, and "SESVER · DTI".
//!
//! Two layouts: a letter sheet of 3×10 adhesive labels (2⅝ × 1 in, the common office
//! stock) and a 50 × 25 mm thermal-printer roll, one label per page.

use super::canvas::{Page, Weight, face};
use crate::error::{Error, Result};
use crate::tag;
use brigada_record::msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Letter3x10,
    Roll50x25,
}

const MM: f32 = 72.0 / 25.4;

/// Where labels sit on a page.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub page_w: f32,
    pub page_h: f32,
    pub cols: usize,
    pub rows: usize,
    pub label_w: f32,
    pub label_h: f32,
    pub left: f32,
    pub top: f32,
    pub pitch_x: f32,
    pub pitch_y: f32,
}

impl Layout {
    pub fn parse(s: &str) -> Result<Layout> {
        match s.trim().to_lowercase().as_str() {
            "letter-3x10" | "carta-3x10" | "sheet" => Ok(Layout::Letter3x10),
            "roll-50x25" | "rollo-50x25" | "roll" => Ok(Layout::Roll50x25),
            other => Err(Error::InvalidField {
                field: msg!("field.label_layout").to_string(),
                why: msg!("labels.unknown_layout", text = other),
            }),
        }
    }

    pub fn geometry(self) -> Geometry {
        match self {
            Layout::Letter3x10 => Geometry {
                page_w: 612.0,
                page_h: 792.0,
                cols: 3,
                rows: 10,
                label_w: 189.0,
                label_h: 72.0,
                left: 13.5,
                top: 36.0,
                pitch_x: 198.0,
                pitch_y: 72.0,
            },
            Layout::Roll50x25 => Geometry {
                page_w: 50.0 * MM,
                page_h: 25.0 * MM,
                cols: 1,
                rows: 1,
                label_w: 50.0 * MM,
                label_h: 25.0 * MM,
                left: 0.0,
                top: 0.0,
                pitch_x: 0.0,
                pitch_y: 0.0,
            },
        }
    }

    pub fn per_page(self) -> usize {
        let g = self.geometry();
        g.cols * g.rows
    }

    /// The box of the n-th label: (page, x, y, w, h) in points.
    pub fn cell(self, n: usize) -> (usize, f32, f32, f32, f32) {
        let g = self.geometry();
        let per = self.per_page();
        let (page, i) = (n / per, n % per);
        let (row, col) = (i / g.cols, i % g.cols);
        (
            page,
            g.left + col as f32 * g.pitch_x,
            g.top + row as f32 * g.pitch_y,
            g.label_w,
            g.label_h,
        )
    }
}

fn draw_label(p: &mut Page, x: f32, y: f32, w: f32, h: f32, tag_text: &str) -> Result<()> {
    let qr = (h - 6.0).min(w * 0.45);
    p.qr(x + 3.0, y + (h - qr) / 2.0, qr, tag_text)?;
    let tx = x + qr + 7.0;
    let tw = w - qr - 10.0;
    let number = tag_text.strip_prefix(tag::PREFIX).unwrap_or(tag_text);
    let big = if h > 60.0 { 17.0 } else { 15.0 };
    p.text(tx, y + h * 0.30, 8.0, Weight::Bold, "SESVER · DTI");
    p.text(tx, y + h * 0.30 + big + 3.0, big, Weight::Bold, format!("ACT {number}"));
    let small = fitting(tag_text, Weight::Regular, 6.0, 4.0, tw);
    p.text(tx, y + h * 0.30 + big + 14.0, small, Weight::Regular, tag_text);
    Ok(())
}

/// The largest size up to `max` at which `text` fits `width` (not below `min`).
fn fitting(text: &str, weight: Weight, max: f32, min: f32, width: f32) -> f32 {
    let mut size = max;
    while size > min && face(weight).width(text, size) > width {
        size -= 0.25;
    }
    size
}

/// A backup medium's label: the folio's QR, "RESPALDO DE BASE DE DATOS", what was backed
/// up (up to two lines), the date and time on a line of their own, the medium, the área and
/// the folio, each shrunk to fit.
fn draw_medium(p: &mut Page, x: f32, y: f32, w: f32, h: f32, m: &crate::medium::MediumLabel) -> Result<()> {
    let qr = (h - 6.0).min(w * 0.40);
    p.qr(x + 3.0, y + (h - qr) / 2.0, qr, &m.folio)?;
    let tx = x + qr + 6.0;
    let tw = w - qr - 9.0;
    let (what, when) = m.words.rsplit_once(" — ").unwrap_or((m.words.as_str(), ""));
    let what_size = h / 9.0;
    let mut what_lines: Vec<String> = super::text::wrap(face(Weight::Bold), what, what_size, tw);
    if what_lines.len() > 2 {
        what_lines.truncate(2);
        what_lines[1].push('…');
    }
    let mut lines: Vec<(String, Weight)> = vec![("RESPALDO DE BASE DE DATOS".into(), Weight::Bold)];
    lines.extend(what_lines.into_iter().map(|l| (l, Weight::Bold)));
    lines.extend((!when.is_empty()).then(|| (when.to_owned(), Weight::Bold)));
    lines.extend(m.medium.iter().map(|s| (s.clone(), Weight::Regular)));
    lines.push((m.place.clone(), Weight::Regular));
    lines.push((format!("Folio {}", m.folio), Weight::Regular));
    let line = ((h - 6.0) / lines.len() as f32).min(h / 6.0);
    let top = y + (h - line * lines.len() as f32) / 2.0 + line * 0.8;
    for (i, (text, weight)) in lines.iter().enumerate() {
        let size = fitting(text, *weight, line * 0.85, 3.5, tw);
        p.text(tx, top + line * i as f32, size, *weight, text.clone());
    }
    Ok(())
}

/// One page with a backup medium's label (the first label of a sheet, or one roll label).
pub fn medium_pages(m: &crate::medium::MediumLabel, layout: Layout) -> Result<Vec<Page>> {
    let g = layout.geometry();
    let mut page = Page::new(g.page_w, g.page_h);
    let (_, x, y, w, h) = layout.cell(0);
    draw_medium(&mut page, x, y, w, h, m)?;
    Ok(vec![page])
}

/// Pages of labels for `tags`, in order.
pub fn pages(tags: &[String], layout: Layout) -> Result<Vec<Page>> {
    let g = layout.geometry();
    let mut pages: Vec<Page> = Vec::new();
    for (n, t) in tags.iter().enumerate() {
        let (page, x, y, w, h) = layout.cell(n);
        if page == pages.len() {
            pages.push(Page::new(g.page_w, g.page_h));
        }
        draw_label(&mut pages[page], x, y, w, h, t)?;
    }
    Ok(pages)
}
