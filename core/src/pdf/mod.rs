//! PDF output with krilla: official documents, asset-tag labels and the Informe mensual.
//!
//! Layout produces pages as drawing operations ([`canvas`]); [`canvas::write`] turns them
//! into one PDF with the embedded, subset Liberation Sans. Everything is vector: text,
//! signatures (from their strokes) and QR codes, so pages print sharp at any size.

pub mod canvas;
pub mod form;
pub mod informe;
pub mod labels;
pub mod text;

use crate::error::Result;
use crate::forms::Form;

pub use form::Paper;
pub use labels::Layout;

/// One PDF with every form in `forms` (each as ORIGINAL then COPIA). `progress` is told
/// how many forms are laid out so far.
pub fn forms(forms: &[Form], paper: Paper, progress: &mut dyn FnMut(usize, usize)) -> Result<Vec<u8>> {
    let mut pages = Vec::new();
    for (i, f) in forms.iter().enumerate() {
        pages.extend(form::pages(f, paper)?);
        progress(i + 1, forms.len());
    }
    let title = match forms {
        [one] => format!("{} — {}", one.body.title, one.body.folio),
        _ => format!("Documentos oficiales ({})", forms.len()),
    };
    let codes = forms.iter().map(|f| f.code.clone()).collect();
    canvas::write(&pages, &title, codes)
}

/// A PDF of asset-tag labels.
pub fn labels(tags: &[String], layout: Layout) -> Result<Vec<u8>> {
    let pages = labels::pages(tags, layout)?;
    canvas::write(&pages, &format!("Etiquetas de activo ({})", tags.len()), vec![])
}

/// A PDF with the label of a backup medium (P7).
pub fn medium_label(m: &crate::medium::MediumLabel, layout: Layout) -> Result<Vec<u8>> {
    let pages = labels::medium_pages(m, layout)?;
    canvas::write(&pages, &format!("Etiqueta del medio de respaldo — {}", m.folio), vec![])
}

/// The verification codes a Brigada PDF carries in its document information.
pub fn codes_in(pdf: &[u8]) -> Vec<String> {
    let prefix = crate::forms::CODE_PREFIX.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = pdf[i..].windows(prefix.len()).position(|w| w == prefix) {
        let start = i + pos;
        let end = pdf[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || *b == b':' || *b == b'-'))
            .map_or(pdf.len(), |n| start + n);
        let text = String::from_utf8_lossy(&pdf[start..end]).into_owned();
        if crate::forms::parse_qr_text(&text).is_some() && !out.contains(&text) {
            out.push(text);
        }
        i = end.max(start + 1);
    }
    out
}
