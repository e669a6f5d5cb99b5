//! The embedded typeface and line breaking.
//!
//! Liberation Sans (SIL OFL, from Debian's `fonts-liberation2`; metric-compatible with the
//! Arial of the department's printed forms) is compiled in, so every device prints the
//! same pages; krilla subsets it into each PDF. Text is shaped once with rustybuzz (the
//! shaper krilla itself uses), which gives both the widths for layout and the glyphs drawn.

use std::sync::OnceLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/LiberationSans-Bold.ttf");

pub struct Face {
    pub font: Font,
    shaper: rustybuzz::Face<'static>,
    upem: f32,
}

pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
}

fn face(data: &'static [u8]) -> Face {
    // The fonts are compiled in and checked by the tests: they always parse.
    let shaper = rustybuzz::Face::from_slice(data, 0).expect("embedded font parses");
    let upem = shaper.units_per_em() as f32;
    Face {
        font: Font::new(data.to_vec().into(), 0).expect("embedded font parses"),
        shaper,
        upem,
    }
}

pub fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    F.get_or_init(|| Fonts {
        regular: face(REGULAR),
        bold: face(BOLD),
    })
}

/// A shaped run of text: glyphs and its width at 1 pt.
pub struct Shaped {
    pub glyphs: Vec<KrillaGlyph>,
    pub width_em: f32,
}

impl Face {
    pub fn shape(&self, text: &str) -> Shaped {
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.set_direction(rustybuzz::Direction::LeftToRight);
        let out = rustybuzz::shape(&self.shaper, &[], buf);
        let infos = out.glyph_infos();
        let positions = out.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut width = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            let end = infos
                .iter()
                .skip(i + 1)
                .map(|n| n.cluster as usize)
                .find(|c| *c != start)
                .unwrap_or(text.len());
            let adv = pos.x_advance as f32 / self.upem;
            width += adv;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                adv,
                pos.x_offset as f32 / self.upem,
                pos.y_offset as f32 / self.upem,
                pos.y_advance as f32 / self.upem,
                start..end.max(start),
                None,
            ));
        }
        Shaped {
            glyphs,
            width_em: width,
        }
    }

    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).width_em * size
    }
}

/// Break `text` into lines no wider than `max` at `size`, at spaces; a word longer than
/// a line is cut by characters. Explicit newlines are kept.
pub fn wrap(face: &Face, text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if face.width(word, size) <= max {
                line = word.to_owned();
            } else {
                for ch in word.chars() {
                    let mut next = line.clone();
                    next.push(ch);
                    if face.width(&next, size) > max && !line.is_empty() {
                        lines.push(std::mem::take(&mut line));
                        next = ch.to_string();
                    }
                    line = next;
                }
            }
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_text_shapes_and_wraps_within_the_width() {
        let f = &fonts().regular;
        let s = f.shape("Justificación técnica — año, señal, núm.");
        assert!(
            s.glyphs.iter().all(|g| g.glyph_id.to_u32() != 0),
            "a character has no glyph"
        );
        let text = "Evaluada la viabilidad de la instalación de los servicios de la red de voz y datos";
        let lines = wrap(f, text, 10.0, 120.0);
        assert!(lines.len() > 2);
        assert!(lines.iter().all(|l| f.width(l, 10.0) <= 120.0));
        assert_eq!(lines.join(" "), text);
        let long = wrap(f, "SESVER:DTI:ACT:000123SESVER:DTI:ACT:000124", 10.0, 60.0);
        assert!(long.iter().all(|l| f.width(l, 10.0) <= 60.0), "{long:?}");
    }
}
