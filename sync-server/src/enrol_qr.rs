//! The enrolment QR the administrator prints or sends: `brigada-enroll:URL#CODE` as a PNG.
//!
//! The server only ever writes this one picture, so it draws the QR's modules itself with
//! the `png` encoder instead of taking an image library for it.
//!
//! A QR is a secret until used: it is written only when asked (`device add --qr-png`),
//! in `DATA/inscripciones/` readable by the server's user only, and deleted when its
//! device enrols, and at each start and `device add` once used, revoked or expired.

use std::path::{Path, PathBuf};

use qrcode::{Color, EcLevel, QrCode};

/// Modules of white around the code, as the QR standard asks for readers to find it.
const QUIET_ZONE: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the enrolment text does not fit in a QR code: {0}")]
    TooLong(#[from] qrcode::types::QrError),
    #[error("the PNG could not be written: {0}")]
    Png(#[from] png::EncodingError),
}

/// A black-on-white PNG of `text`, `module_px` pixels per module, with the quiet zone.
pub fn png(text: &str, module_px: u32) -> Result<Vec<u8>, QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let modules = code.width();
    let colors = code.to_colors();
    let px = module_px.max(1) as usize;
    let side = (modules + 2 * QUIET_ZONE) * px;
    let mut grey = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c == Color::Dark {
            let (mx, my) = (i % modules + QUIET_ZONE, i / modules + QUIET_ZONE);
            for y in my * px..(my + 1) * px {
                grey[y * side + mx * px..y * side + (mx + 1) * px].fill(0);
            }
        }
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side as u32, side as u32);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header()?;
    writer.write_image_data(&grey)?;
    writer.finish()?;
    Ok(out)
}

fn dir(data: &Path) -> PathBuf {
    data.join("inscripciones")
}

/// Write the QR of `payload` for device `id`; returns its path.
pub fn write(data: &Path, id: &str, payload: &str) -> anyhow::Result<PathBuf> {
    let dir = dir(data);
    crate::private::dir(&dir)?;
    let path = dir.join(format!("{id}.png"));
    crate::private::write(&path, &png(payload, 8)?)?;
    Ok(path)
}

/// Delete device `id`'s QR, if any (it has enrolled).
pub fn remove(data: &Path, id: &str) {
    let _ = std::fs::remove_file(dir(data).join(format!("{id}.png")));
}

/// Delete the QRs whose codes can no longer be used: enrolled, revoked or expired devices,
/// and devices that no longer exist.
pub fn sweep(data: &Path, devices: &[crate::devices::Device], now: i64) {
    let Ok(entries) = std::fs::read_dir(dir(data)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".png") else { continue };
        let usable = devices.iter().any(|d| {
            d.id == id
                && d.enrolled_at.is_none()
                && d.revoked_at.is_none()
                && d.created_at + crate::CODE_LIFETIME_MS > now
        });
        if !usable {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
