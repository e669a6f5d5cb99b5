//! Signatures captured on the tablet: strokes, a rendered image, and a device seal.
//!
//! The strokes are the source of truth (they print as vectors); the PNG is for screens.
//! The seal is an Ed25519 signature by the device's key over a statement that names the
//! expediente, the signer, the time, the document heads at signing and the SHA-256 of the
//! canonical content signed — so a later edit shows as "signed an earlier version", and a
//! swapped image or altered content fails verification.

use brigada_record::msg;
use ed25519_dalek::{Signer, SigningKey};
use image::{GrayImage, Luma};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::Expediente;

const MAX_STROKES: usize = 500;
const MAX_POINTS: usize = 20_000;

/// Strokes as captured by the signature pad: lists of (x, y) points.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Strokes {
    #[serde(default)]
    pub width: Option<f64>,
    #[serde(default)]
    pub height: Option<f64>,
    pub strokes: Vec<Vec<[f64; 2]>>,
}

impl Strokes {
    /// Accepts `{"strokes": [[[x,y],…],…]}` or a bare `[[[x,y],…],…]`.
    pub fn parse(bytes: &[u8]) -> Result<Strokes> {
        let bad = |why: String| Error::InvalidInput(msg!("signature.bad_strokes", detail = why));
        let s: Strokes = match serde_json::from_slice::<Strokes>(bytes) {
            Ok(s) => s,
            Err(_) => Strokes {
                width: None,
                height: None,
                strokes: serde_json::from_slice(bytes)
                    .map_err(|e| bad(format!("{e}; expected JSON like {{\"strokes\": [[[10,20],[11,22]]]}}")))?,
            },
        };
        let points: usize = s.strokes.iter().map(Vec::len).sum();
        if s.strokes.is_empty() || points < 2 {
            return Err(bad("it is empty: the signer must draw on the pad".into()));
        }
        if s.strokes.len() > MAX_STROKES || points > MAX_POINTS {
            return Err(bad(format!(
                "too many strokes or points (max {MAX_STROKES} strokes, {MAX_POINTS} points)"
            )));
        }
        if s.strokes
            .iter()
            .flatten()
            .flatten()
            .any(|v| !v.is_finite() || v.abs() > 1e6)
        {
            return Err(bad("a coordinate is not a finite number".into()));
        }
        Ok(s)
    }

    /// Render to a black-on-white PNG that fits `w × h`, keeping proportions.
    pub fn render_png(&self, w: u32, h: u32) -> Vec<u8> {
        let pts = self.strokes.iter().flatten();
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for [x, y] in pts {
            x0 = x0.min(*x);
            y0 = y0.min(*y);
            x1 = x1.max(*x);
            y1 = y1.max(*y);
        }
        let margin = 10.0;
        let scale = ((f64::from(w) - 2.0 * margin) / (x1 - x0).max(1.0))
            .min((f64::from(h) - 2.0 * margin) / (y1 - y0).max(1.0));
        let map = |p: &[f64; 2]| ((p[0] - x0) * scale + margin, (p[1] - y0) * scale + margin);
        let mut img = GrayImage::from_pixel(w, h, Luma([255]));
        let mut dot = |x: f64, y: f64| {
            for dy in -1i32..=1 {
                for dx in -1i32..=1 {
                    let (px, py) = (x.round() as i64 + i64::from(dx), y.round() as i64 + i64::from(dy));
                    if px >= 0 && py >= 0 && (px as u32) < w && (py as u32) < h {
                        img.put_pixel(px as u32, py as u32, Luma([0]));
                    }
                }
            }
        };
        for stroke in &self.strokes {
            let mut prev: Option<(f64, f64)> = None;
            for p in stroke {
                let (x, y) = map(p);
                if let Some((px, py)) = prev {
                    let steps = ((x - px).hypot(y - py)).ceil().max(1.0) as usize;
                    for i in 0..=steps {
                        let t = i as f64 / steps as f64;
                        dot(px + (x - px) * t, py + (y - py) * t);
                    }
                } else {
                    dot(x, y);
                }
                prev = Some((x, y));
            }
        }
        let mut out = std::io::Cursor::new(Vec::new());
        // Encoding an in-memory GrayImage to PNG cannot fail.
        let _ = img.write_to(&mut out, image::ImageFormat::Png);
        out.into_inner()
    }
}

/// SHA-256 of the canonical content a signature covers: the expediente without its
/// signatures, serialised with fields in a fixed order.
pub fn content_hash(exp: &Expediente) -> String {
    let mut e = exp.clone();
    e.signatures.clear();
    let json = serde_json::to_vec(&e).unwrap_or_default();
    hex::encode(Sha256::digest(json))
}

pub use brigada_record::seal::Statement;

pub fn seal(key: &SigningKey, st: &Statement<'_>) -> String {
    hex::encode(key.sign(&st.bytes()).to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use brigada_record::messages::Locale::En;

    #[test]
    fn strokes_parse_both_shapes_and_reject_garbage() {
        assert!(Strokes::parse(br#"{"strokes": [[[0,0],[10,5]]]}"#).is_ok());
        assert!(Strokes::parse(br#"[[[0,0],[10,5],[20,0]]]"#).is_ok());
        for bad in [&b"not json"[..], b"[]", br#"[[[0,0]]]"#, br#"[[[0,"x"]]]"#, b"\xff\xfe"] {
            let e = Strokes::parse(bad).unwrap_err();
            assert!(e.render(En).contains("strokes are not valid"), "{e}");
        }
    }

    #[test]
    fn rendering_draws_ink() {
        let s = Strokes::parse(br#"[[[0,0],[100,50]],[[0,50],[100,0]]]"#).unwrap();
        let png = s.render_png(300, 100);
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let ink = img.pixels().filter(|p| p.0[0] == 0).count();
        assert!(ink > 300, "a drawn cross should leave ink, got {ink} pixels");
    }
}
