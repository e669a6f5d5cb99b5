//! Laying out an official document: institutional header, the document's data, the
//! signatures drawn from their strokes, an ORIGINAL and a COPIA (the page the department
//! files carries the acuse de recibido block), page numbers and the verification QR on
//! every page.

use super::canvas::{Op, Page, Weight, face};
use super::text::wrap;
use crate::error::Result;
use crate::forms::wording::{self, DEPARTAMENTO, DIRECCION, INSTITUCION};
use crate::forms::{Form, Signer};
use crate::signature::Strokes;
use crate::time;

/// Paper sizes in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Paper {
    Letter,
    Oficio,
    A4,
}

impl Paper {
    pub fn parse(s: &str) -> Option<Paper> {
        match s.trim().to_lowercase().as_str() {
            "letter" | "carta" => Some(Paper::Letter),
            "oficio" | "legal-mx" => Some(Paper::Oficio),
            "a4" => Some(Paper::A4),
            _ => None,
        }
    }

    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::Letter => (612.0, 792.0),
            Paper::Oficio => (612.0, 936.0),
            Paper::A4 => (595.28, 841.89),
        }
    }
}

const MARGIN: f32 = 50.0;
const FOOTER: f32 = 40.0;
const QR: f32 = 72.0;

struct Flow<'a> {
    form: &'a Form,
    original: bool,
    paper: (f32, f32),
    pages: Vec<Page>,
    y: f32,
}

impl<'a> Flow<'a> {
    fn new(form: &'a Form, original: bool, paper: Paper) -> Result<Flow<'a>> {
        let mut f = Flow {
            form,
            original,
            paper: paper.size(),
            pages: Vec::new(),
            y: 0.0,
        };
        f.new_page()?;
        Ok(f)
    }

    fn width(&self) -> f32 {
        self.paper.0 - 2.0 * MARGIN
    }

    fn page(&mut self) -> &mut Page {
        // `new` always starts a page.
        self.pages.last_mut().expect("a page was started")
    }

    fn new_page(&mut self) -> Result<()> {
        let (w, h) = self.paper;
        let mut p = Page::new(w, h);
        let form = self.form;
        let first = self.pages.is_empty();
        p.text(MARGIN, 52.0, 11.0, Weight::Bold, INSTITUCION);
        p.text(MARGIN, 65.0, 8.5, Weight::Regular, DIRECCION);
        p.text(MARGIN, 76.0, 8.5, Weight::Regular, DEPARTAMENTO);
        p.text(MARGIN, 87.0, 8.5, Weight::Regular, form.body.seccion.clone());
        // Verification QR, top right, on every page.
        let qx = w - MARGIN - QR + 6.0;
        p.qr(qx, 30.0, QR, &form.code)?;
        p.text_centered(qx + QR / 2.0, 30.0 + QR + 6.0, 6.5, Weight::Regular, &form.short_code);
        // ORIGINAL / COPIA box.
        let bw = 150.0;
        let bx = qx - 12.0 - bw;
        let label = match (form.draft, self.original) {
            (true, _) => "BORRADOR",
            (false, true) => "ORIGINAL",
            (false, false) => "COPIA",
        };
        p.rect(bx, 36.0, bw, 22.0, 1.2, None);
        p.text_centered(bx + bw / 2.0, 52.0, 12.0, Weight::Bold, label);
        for (i, l) in wrap(
            face(Weight::Regular),
            wording::destination(form.kind, self.original),
            7.0,
            bw,
        )
        .iter()
        .enumerate()
        {
            p.text_centered(bx + bw / 2.0, 67.0 + 8.5 * i as f32, 7.0, Weight::Regular, l);
        }
        self.y = 118.0;
        if first {
            let cx = w / 2.0;
            for l in wrap(
                face(Weight::Bold),
                &form.body.title.to_uppercase(),
                13.0,
                self.paper.0 - 2.0 * MARGIN,
            ) {
                p.text_centered(cx, self.y, 13.0, Weight::Bold, &l);
                self.y += 16.0;
            }
            if form.draft {
                p.rect(MARGIN, self.y - 4.0, w - 2.0 * MARGIN, 18.0, 0.0, Some(225));
                p.text_centered(
                    cx,
                    self.y + 9.0,
                    9.5,
                    Weight::Bold,
                    "BORRADOR SIN FIRMAS — SIN VALIDEZ OFICIAL",
                );
                self.y += 22.0;
            }
        } else {
            p.text(
                MARGIN,
                self.y,
                9.0,
                Weight::Bold,
                format!("{} — folio {} (continuación)", form.body.title, form.body.folio),
            );
            self.y += 14.0;
        }
        self.y += 6.0;
        self.pages.push(p);
        Ok(())
    }

    fn bottom(&self) -> f32 {
        self.paper.1 - MARGIN - FOOTER
    }

    fn ensure(&mut self, h: f32) -> Result<()> {
        if self.y + h > self.bottom() {
            self.new_page()?;
        }
        Ok(())
    }

    fn heading(&mut self, text: &str) -> Result<()> {
        self.ensure(44.0)?;
        self.y += 16.0;
        let (x, y, w) = (MARGIN, self.y, self.width());
        let p = self.page();
        p.text(x, y, 9.5, Weight::Bold, text.to_uppercase());
        p.line(x, y + 3.0, x + w, y + 3.0, 0.6);
        self.y += 8.0;
        Ok(())
    }

    fn paragraph(&mut self, text: &str, size: f32, weight: Weight) -> Result<()> {
        let lead = size * 1.3;
        for l in wrap(face(weight), text, size, self.width()) {
            self.ensure(lead)?;
            let y = self.y + size;
            self.page().text(MARGIN, y, size, weight, l);
            self.y += lead;
        }
        self.y += 4.0;
        Ok(())
    }

    /// Label–value rows, the label in a left column.
    fn pairs(&mut self, rows: &[(String, String)]) -> Result<()> {
        let lw = 150.0;
        let vw = self.width() - lw - 8.0;
        for (label, value) in rows {
            let llines = wrap(face(Weight::Bold), label, 8.5, lw);
            let vlines = wrap(face(Weight::Regular), value, 9.5, vw);
            let n = llines.len().max(vlines.len());
            self.ensure(n as f32 * 12.5 + 2.0)?;
            let y0 = self.y + 9.5;
            let p = self.pages.last_mut().expect("a page");
            for (i, l) in llines.iter().enumerate() {
                p.text(MARGIN, y0 + 12.5 * i as f32, 8.5, Weight::Bold, l.clone());
            }
            for (i, l) in vlines.iter().enumerate() {
                p.text(MARGIN + lw + 8.0, y0 + 12.5 * i as f32, 9.5, Weight::Regular, l.clone());
            }
            self.y += n as f32 * 12.5 + 3.0;
        }
        Ok(())
    }

    /// A table with a shaded header row; `widths` are fractions of the text width.
    fn table(&mut self, headers: &[&str], widths: &[f32], rows: &[Vec<String>]) -> Result<()> {
        let total = self.width();
        let cols: Vec<f32> = widths.iter().map(|w| w * total).collect();
        let row_lines = |cells: &[String], weight: Weight| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&cols)
                .map(|(c, w)| wrap(face(weight), c, 8.5, w - 6.0))
                .collect()
        };
        let draw_row = |flow: &mut Flow<'_>, cells: &[String], weight: Weight, shade: bool| -> Result<()> {
            let lines = row_lines(cells, weight);
            let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * 11.0 + 5.0;
            flow.ensure(h)?;
            let y = flow.y;
            let p = flow.page();
            p.rect(MARGIN, y, total, h, 0.5, shade.then_some(230));
            let mut x = MARGIN;
            for (i, (cell, w)) in lines.iter().zip(&cols).enumerate() {
                if i > 0 {
                    p.line(x, y, x, y + h, 0.5);
                }
                for (k, l) in cell.iter().enumerate() {
                    p.text(x + 3.0, y + 10.0 + 11.0 * k as f32, 8.5, weight, l.clone());
                }
                x += w;
            }
            flow.y += h;
            Ok(())
        };
        let head: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        draw_row(self, &head, Weight::Bold, true)?;
        for r in rows {
            draw_row(self, r, Weight::Regular, false)?;
        }
        self.y += 6.0;
        Ok(())
    }

    fn signature_block(&mut self, x: f32, y: f32, w: f32, signer: Option<&Signer>, role: &str, name: &str) {
        const INK_H: f32 = 48.0;
        let p = self.pages.last_mut().expect("a page");
        if let Some(s) = signer {
            if let Some(strokes) = &s.strokes {
                p.ops.push(ink(strokes, x + 10.0, y, w - 20.0, INK_H));
            } else {
                p.text_gray(
                    x,
                    y + INK_H / 2.0,
                    7.5,
                    90,
                    "(trazo de la firma pendiente de sincronizar)",
                );
            }
        }
        let ly = y + INK_H + 4.0;
        p.line(x, ly, x + w, ly, 0.7);
        p.text_centered(x + w / 2.0, ly + 11.0, 9.0, Weight::Bold, name);
        let role_lines = wrap(face(Weight::Regular), wording::role_label(role), 7.5, w);
        for (i, l) in role_lines.iter().enumerate() {
            p.text_centered(x + w / 2.0, ly + 21.0 + 9.0 * i as f32, 7.5, Weight::Regular, l);
        }
        let ly = ly + 9.0 * (role_lines.len().max(1) - 1) as f32;
        let mut small = match signer {
            Some(s) => vec![format!(
                "Firmado el {} · dispositivo {}",
                time::display_ms(s.at),
                s.device
            )],
            None => vec!["Nombre, firma y fecha".to_owned()],
        };
        if signer.is_some_and(|s| s.earlier_version) {
            small.push("Firmó una versión anterior".into());
        }
        let lines: Vec<String> = small
            .iter()
            .flat_map(|l| wrap(face(Weight::Regular), l, 6.5, w))
            .collect();
        for (i, l) in lines.iter().enumerate() {
            p.text_centered(x + w / 2.0, ly + 30.0 + 8.0 * i as f32, 6.5, Weight::Regular, l);
        }
    }

    fn signatures(&mut self) -> Result<()> {
        let form = self.form;
        // The acuse de recibido belongs on the page the department keeps.
        let dti_page = self.original == wording::dti_keeps_original(form.kind);
        let mut blocks: Vec<(Option<&Signer>, String, String)> = Vec::new();
        if !form.signers.iter().any(|s| s.role == "tecnico") {
            blocks.push((None, "tecnico".into(), form.elaboro.clone()));
        }
        for s in &form.signers {
            if s.role == "acuse" && !dti_page {
                continue;
            }
            blocks.push((Some(s), s.role.clone(), s.name.clone()));
        }
        for r in &form.missing_roles {
            if r == "acuse" && !dti_page {
                continue;
            }
            blocks.push((None, r.clone(), String::new()));
        }
        // The heading stays with the first row of signatures (24 for the heading itself).
        self.ensure(24.0 + 100.0)?;
        self.heading("Firmas")?;
        // Two blocks a row, three when there are more (one row fits most documents).
        let per_row = if blocks.len() > 2 { 3 } else { 2 };
        let gap = 18.0;
        let w = (self.width() - gap * (per_row - 1) as f32) / per_row as f32;
        for row in blocks.chunks(per_row) {
            self.ensure(100.0)?;
            let y = self.y;
            for (i, (s, role, name)) in row.iter().enumerate() {
                let x = MARGIN + i as f32 * (w + gap);
                self.signature_block(x, y, w, *s, role, name);
            }
            self.y += 100.0;
        }
        Ok(())
    }

    fn footer(&mut self) {
        let total = self.pages.len();
        let (w, h) = self.paper;
        let form = self.form;
        let label = match (form.draft, self.original) {
            (true, _) => "Borrador",
            (false, true) => "Original",
            (false, false) => "Copia",
        };
        for (i, p) in self.pages.iter_mut().enumerate() {
            let y = h - MARGIN + 8.0;
            p.line(MARGIN, y - 12.0, w - MARGIN, y - 12.0, 0.4);
            p.text(
                MARGIN,
                y,
                7.5,
                Weight::Regular,
                format!("Folio {} · {label}", form.body.folio),
            );
            p.text_centered(
                w / 2.0,
                y,
                7.5,
                Weight::Regular,
                &format!("Código de verificación {}", form.short_code),
            );
            p.text_right(
                w - MARGIN,
                y,
                7.5,
                Weight::Regular,
                &format!("Página {} de {total}", i + 1),
            );
        }
    }
}

/// Strokes scaled to fit a box, keeping proportions, centred.
fn ink(s: &Strokes, x: f32, y: f32, w: f32, h: f32) -> Op {
    let pts = s.strokes.iter().flatten();
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for [px, py] in pts {
        x0 = x0.min(*px);
        y0 = y0.min(*py);
        x1 = x1.max(*px);
        y1 = y1.max(*py);
    }
    let scale = (f64::from(w) / (x1 - x0).max(1.0)).min(f64::from(h) / (y1 - y0).max(1.0));
    let ox = f64::from(x) + (f64::from(w) - (x1 - x0) * scale) / 2.0;
    let oy = f64::from(y) + (f64::from(h) - (y1 - y0) * scale) / 2.0;
    Op::Ink {
        lines: s
            .strokes
            .iter()
            .map(|l| {
                l.iter()
                    .map(|[px, py]| (((px - x0) * scale + ox) as f32, ((py - y0) * scale + oy) as f32))
                    .collect()
            })
            .collect(),
        width: 1.1,
    }
}

fn one_copy(form: &Form, original: bool, paper: Paper) -> Result<Vec<Page>> {
    let mut f = Flow::new(form, original, paper)?;
    let b = &form.body;
    let info = vec![
        ("Folio".to_owned(), b.folio.clone()),
        ("Fecha".to_owned(), format!("{}, Ver., a {}", form.lugar, form.fecha)),
        ("Área solicitante".to_owned(), b.area.clone()),
        ("Unidad".to_owned(), b.unidad.clone()),
        ("Solicitud".to_owned(), b.solicitud.clone()),
        ("Procedimiento".to_owned(), b.procedure.clone()),
    ];
    let info: Vec<_> = info.into_iter().filter(|(_, v)| !v.trim().is_empty()).collect();
    f.pairs(&info)?;
    f.y += 6.0;
    f.paragraph(&b.intro, 9.5, Weight::Regular)?;
    if let Some(note) = &form.changed_after_signing {
        f.ensure(40.0)?;
        let lines = wrap(face(Weight::Bold), note, 8.5, f.width() - 12.0);
        let h = lines.len() as f32 * 11.0 + 8.0;
        let y = f.y;
        let width = f.width();
        let p = f.page();
        p.rect(MARGIN, y, width, h, 1.0, Some(240));
        for (i, l) in lines.iter().enumerate() {
            p.text(MARGIN + 6.0, y + 13.0 + 11.0 * i as f32, 8.5, Weight::Bold, l.clone());
        }
        f.y += h + 8.0;
    }
    if !b.fields.is_empty() {
        f.heading("Datos del servicio")?;
        f.pairs(&b.fields)?;
    }
    if !form.equipment.is_empty() {
        f.heading("Equipo")?;
        let rows: Vec<Vec<String>> = form
            .equipment
            .iter()
            .map(|e| {
                let what = [&e.kind, &e.brand, &e.model]
                    .into_iter()
                    .map(|x| x.trim())
                    .filter(|x| !x.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                vec![
                    e.tag.clone(),
                    what,
                    e.serial.clone(),
                    e.inventory_number.clone(),
                    e.location.clone(),
                ]
            })
            .collect();
        f.table(
            &["Etiqueta", "Equipo", "Núm. de serie", "Núm. de inventario", "Ubicación"],
            &[0.21, 0.22, 0.15, 0.18, 0.24],
            &rows,
        )?;
    }
    if !b.materials.is_empty() {
        f.heading("Material y refacciones")?;
        let rows: Vec<Vec<String>> = b.materials.iter().map(|m| m.to_vec()).collect();
        f.table(&["Cantidad", "Unidad", "Descripción"], &[0.14, 0.16, 0.70], &rows)?;
    }
    if !b.parts.is_empty() {
        f.heading("Piezas extraídas para ser reutilizadas")?;
        let rows: Vec<Vec<String>> = b.parts.iter().map(|m| m.to_vec()).collect();
        f.table(
            &["Descripción", "Núm. de serie", "Equipo de origen"],
            &[0.46, 0.24, 0.30],
            &rows,
        )?;
    }
    if !b.notes.is_empty() {
        f.heading("Observaciones")?;
        for n in &b.notes {
            f.paragraph(&format!("• {n}"), 9.0, Weight::Regular)?;
        }
    }
    f.signatures()?;
    f.footer();
    Ok(f.pages)
}

/// The pages of one document: its ORIGINAL, then its COPIA (a draft, and a document the
/// manual makes in original only, print once).
pub fn pages(form: &Form, paper: Paper) -> Result<Vec<Page>> {
    let mut out = one_copy(form, true, paper)?;
    if !form.draft && !wording::original_only(form.kind) {
        out.extend(one_copy(form, false, paper)?);
    }
    Ok(out)
}
