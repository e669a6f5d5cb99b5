//! A page as a list of drawing operations, then written with krilla.
//!
//! Laying out first and writing after lets a document know its page count before
//! "Página 1 de 3" is drawn, and keeps layout code free of PDF details. Units are
//! points (1/72 in), origin at the top-left corner, y downwards; text `y` is the baseline.

use brigada_record::msg;
use krilla::Document;
use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, LineJoin, Stroke};
use krilla::surface::Surface;

use super::text::{Face, fonts};
use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone)]
pub enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        weight: Weight,
        gray: u8,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
    },
    /// Outline (and optional gray fill) of a rectangle.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
        fill: Option<u8>,
    },
    /// Pen strokes (a signature), as round-capped polylines.
    Ink { lines: Vec<Vec<(f32, f32)>>, width: f32 },
    /// Filled black squares: QR modules, merged into horizontal runs.
    Squares { rects: Vec<(f32, f32, f32, f32)> },
}

#[derive(Debug, Clone)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub ops: Vec<Op>,
}

pub fn face(w: Weight) -> &'static Face {
    match w {
        Weight::Regular => &fonts().regular,
        Weight::Bold => &fonts().bold,
    }
}

impl Page {
    pub fn new(width: f32, height: f32) -> Page {
        Page {
            width,
            height,
            ops: Vec::new(),
        }
    }

    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: impl Into<String>) {
        self.ops.push(Op::Text {
            x,
            y,
            size,
            weight,
            gray: 0,
            text: text.into(),
        });
    }

    pub fn text_gray(&mut self, x: f32, y: f32, size: f32, gray: u8, text: impl Into<String>) {
        self.ops.push(Op::Text {
            x,
            y,
            size,
            weight: Weight::Regular,
            gray,
            text: text.into(),
        });
    }

    pub fn text_centered(&mut self, cx: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let w = face(weight).width(text, size);
        self.text(cx - w / 2.0, y, size, weight, text);
    }

    pub fn text_right(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let w = face(weight).width(text, size);
        self.text(right - w, y, size, weight, text);
    }

    pub fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        self.ops.push(Op::Line { x1, y1, x2, y2, width });
    }

    pub fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, width: f32, fill: Option<u8>) {
        self.ops.push(Op::Rect {
            x,
            y,
            w,
            h,
            width,
            fill,
        });
    }

    /// A QR code of `text` with its top-left at (x, y), `size` points wide (quiet zone
    /// included).
    pub fn qr(&mut self, x: f32, y: f32, size: f32, text: &str) -> Result<()> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| Error::InvalidInput(msg!("qr.cannot_encode", detail = e.to_string())))?;
        let n = code.width();
        let quiet = 2;
        let module = size / (n + 2 * quiet) as f32;
        let colors = code.to_colors();
        let mut rects = Vec::new();
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    rects.push((
                        x + (start + quiet) as f32 * module,
                        y + (row + quiet) as f32 * module,
                        (col - start) as f32 * module,
                        module,
                    ));
                } else {
                    col += 1;
                }
            }
        }
        self.ops.push(Op::Squares { rects });
        Ok(())
    }
}

fn black_fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn pen(width: f32) -> Stroke {
    Stroke {
        paint: luma::Color::black().into(),
        width,
        miter_limit: 4.0,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        opacity: NormalizedF32::ONE,
        dash: None,
    }
}

fn draw(surface: &mut Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            size,
            weight,
            gray,
            text,
        } => {
            if text.is_empty() {
                return;
            }
            let f = face(*weight);
            let shaped = f.shape(text);
            surface.set_stroke(None);
            surface.set_fill(Some(black_fill(*gray)));
            surface.draw_glyphs(
                Point::from_xy(*x, *y),
                &shaped.glyphs,
                f.font.clone(),
                text,
                *size,
                false,
            );
        }
        Op::Line { x1, y1, x2, y2, width } => {
            let mut pb = PathBuilder::new();
            pb.move_to(*x1, *y1);
            pb.line_to(*x2, *y2);
            if let Some(p) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(pen(*width)));
                surface.draw_path(&p);
            }
        }
        Op::Rect {
            x,
            y,
            w,
            h,
            width,
            fill,
        } => {
            let Some(r) = Rect::from_xywh(*x, *y, *w, *h) else {
                return;
            };
            let mut pb = PathBuilder::new();
            pb.push_rect(r);
            if let Some(p) = pb.finish() {
                surface.set_fill(fill.map(black_fill));
                surface.set_stroke((*width > 0.0).then(|| pen(*width)));
                surface.draw_path(&p);
            }
        }
        Op::Ink { lines, width } => {
            let mut pb = PathBuilder::new();
            for l in lines {
                let Some((first, rest)) = l.split_first() else { continue };
                pb.move_to(first.0, first.1);
                if rest.is_empty() {
                    pb.line_to(first.0 + 0.01, first.1);
                }
                for p in rest {
                    pb.line_to(p.0, p.1);
                }
            }
            if let Some(p) = pb.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(pen(*width)));
                surface.draw_path(&p);
            }
        }
        Op::Squares { rects } => {
            let mut pb = PathBuilder::new();
            for (x, y, w, h) in rects {
                if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                    pb.push_rect(r);
                }
            }
            if let Some(p) = pb.finish() {
                surface.set_stroke(None);
                surface.set_fill(Some(black_fill(0)));
                surface.draw_path(&p);
            }
        }
    }
}

/// Write pages as one PDF. `keywords` go into the document information (the verification
/// codes, so a PDF file can be checked without reading its QR).
pub fn write(pages: &[Page], title: &str, keywords: Vec<String>) -> Result<Vec<u8>> {
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .creator("Brigada".into())
            .producer("Brigada (krilla)".into())
            .language("es-MX".into())
            .keywords(keywords),
    );
    for p in pages {
        let settings = PageSettings::from_wh(p.width, p.height).ok_or_else(|| {
            Error::InvalidInput(msg!(
                "pdf.page_size",
                width = p.width.to_string(),
                height = p.height.to_string()
            ))
        })?;
        let mut page = doc.start_page_with(settings);
        let mut surface = page.surface();
        for op in &p.ops {
            draw(&mut surface, op);
        }
        surface.finish();
        page.finish();
    }
    doc.finish()
        .map_err(|e| Error::InvalidInput(msg!("pdf.write_failed", detail = format!("{e:?}"))))
}
