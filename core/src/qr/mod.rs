//! QR asset tags: encode (PNG, SVG) and decode (camera frames, photos).
//!
//! The decoder is zxing-cpp, chosen by measurement on `testdata/qr-photos` (64 real
//! photos): zxing-cpp 60 decoded and 0 wrong, rqrr 23 (1 wrong), rxing 19 (3 wrong), zbar
//! 36 (10 wrong). See docs/BENCHMARKS.md. Two rules keep the answer trustworthy:
//! - when the image holds several different codes, no guess is made (the technician is
//!   asked to frame one), because returning the wrong one of two is worse than none;
//! - control characters are returned as they are (`TextMode::Plain`), never escaped.
//!
//! zxing-cpp is C++: a defect in it could take the process down. The app decodes camera
//! frames and picked images in a worker process ([`worker`]); the CLI decodes a file in a
//! child process (`brigada scan`). [`decode_image`] in-process is for tests, benchmarks and
//! those child processes.

use brigada_record::msg;
use image::{GrayImage, Luma};
use qrcode::QrCode;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod worker;

/// Largest image accepted for decoding (pixels); bigger photos are scaled down first.
const MAX_DECODE_PIXELS: u32 = 4096;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decoded {
    pub payload: String,
    /// The payload as a Brigada tag, when it is one.
    pub tag: Option<String>,
}

fn qr(text: &str) -> Result<QrCode> {
    QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| Error::InvalidInput(msg!("qr.cannot_encode", detail = e.to_string())))
}

/// PNG of a QR code, `module_px` pixels per module, with the standard quiet zone.
pub fn encode_png(text: &str, module_px: u32) -> Result<Vec<u8>> {
    let img = qr(text)?
        .render::<Luma<u8>>()
        .module_dimensions(module_px, module_px)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| Error::InvalidInput(msg!("image.png_failed", detail = e.to_string())))?;
    Ok(out.into_inner())
}

pub fn encode_svg(text: &str) -> Result<String> {
    Ok(qr(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

pub fn encode_luma(text: &str, module_px: u32) -> Result<GrayImage> {
    Ok(qr(text)?
        .render::<Luma<u8>>()
        .module_dimensions(module_px, module_px)
        .build())
}

/// An image file's bytes as the grey frame the decoder reads: size-checked, upright, at
/// most [`MAX_DECODE_PIXELS`] on the long side.
pub fn frame_of(bytes: &[u8]) -> Result<GrayImage> {
    let img = crate::photo::open_upright(bytes)?;
    let img = if img.width().max(img.height()) > MAX_DECODE_PIXELS {
        img.resize(
            MAX_DECODE_PIXELS,
            MAX_DECODE_PIXELS,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    };
    Ok(img.to_luma8())
}

/// Decode the one QR code in an image file's bytes (in this process: see [`worker`]).
pub fn decode_bytes(bytes: &[u8]) -> Result<Decoded> {
    decode_image(&frame_of(bytes)?)
}

/// Decode the one QR code in a grey image (a camera frame).
pub fn decode_image(img: &GrayImage) -> Result<Decoded> {
    if img.width() < 21 || img.height() < 21 {
        return Err(Error::QrNotFound(msg!("qr.too_small")));
    }
    let found = std::panic::catch_unwind(|| {
        let reader = zxingcpp::read()
            .formats([zxingcpp::BarcodeFormat::QRCode])
            .try_harder(true)
            .try_rotate(true)
            .try_invert(true)
            .text_mode(zxingcpp::TextMode::Plain);
        let view =
            zxingcpp::ImageView::from_slice(img.as_raw(), img.width(), img.height(), zxingcpp::ImageFormat::Lum)?;
        reader.from(view).map(|codes| {
            codes
                .into_iter()
                .filter(|c| c.is_valid())
                .map(|c| c.text())
                .collect::<Vec<String>>()
        })
    })
    .map_err(|_| Error::QrNotFound(msg!("qr.decoder_failed")))?
    .map_err(|e| Error::QrNotFound(msg!("qr.decoder_refused", detail = e.to_string())))?;
    let mut payloads = found;
    payloads.sort();
    payloads.dedup();
    match payloads.as_slice() {
        [] => Err(Error::QrNotFound(msg!("qr.none"))),
        [one] => Ok(Decoded {
            tag: crate::tag::parse(one),
            payload: one.clone(),
        }),
        many => Err(Error::QrNotFound(msg!("qr.several", count = many.len()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use brigada_record::messages::Locale::En;

    #[test]
    fn a_generated_tag_decodes_back() {
        let tag = crate::tag::format(123);
        let png = encode_png(&tag, 8).unwrap();
        let d = decode_bytes(&png).unwrap();
        assert_eq!(d.payload, tag);
        assert_eq!(d.tag.as_deref(), Some("SESVER:DTI:ACT:000123"));
    }

    #[test]
    fn a_foreign_qr_is_reported_with_its_text() {
        let png = encode_png("https://example.org/menu", 6).unwrap();
        let d = decode_bytes(&png).unwrap();
        assert_eq!(d.payload, "https://example.org/menu");
        assert_eq!(d.tag, None);
    }

    #[test]
    fn svg_is_an_svg() {
        assert!(encode_svg("SESVER:DTI:ACT:000001").unwrap().contains("<svg"));
    }

    #[test]
    fn not_an_image_and_blank_images_are_clear_errors() {
        assert!(decode_bytes(b"hello").unwrap_err().render(En).contains("not an image"));
        let blank = GrayImage::from_pixel(640, 480, Luma([255]));
        assert_eq!(decode_image(&blank).unwrap_err().code(), "qr_not_found");
        assert!(decode_image(&GrayImage::new(3, 3)).is_err());
    }

    #[test]
    fn two_different_codes_in_view_are_not_guessed() {
        let a = encode_luma("SESVER:DTI:ACT:000001", 6).unwrap();
        let b = encode_luma("SESVER:DTI:ACT:000002", 6).unwrap();
        let mut canvas =
            GrayImage::from_pixel(a.width() + b.width() + 40, a.height().max(b.height()) + 20, Luma([255]));
        image::imageops::overlay(&mut canvas, &a, 10, 10);
        image::imageops::overlay(&mut canvas, &b, i64::from(a.width()) + 30, 10);
        let e = decode_image(&canvas).unwrap_err();
        assert!(e.render(En).contains("2 different QR codes"), "{e}");
    }
}
