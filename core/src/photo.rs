//! Photos as they are kept: turned upright (EXIF orientation applied), at most 2048 px on
//! the long side, JPEG quality 85, with a 320 px thumbnail for lists. Re-encoding drops the
//! camera's metadata, so the location a phone or tablet writes into a photo is not kept
//! unless the user asks to keep it (then the original EXIF travels, orientation reset).
//!
//! A 12-megapixel photo from a tablet is ~4 MB; kept this way it is ~0.5 MB, which is what
//! makes photos sync in reasonable time from a hospital with a weak link.

use brigada_record::msg;
use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageEncoder, ImageReader};

use crate::error::{Error, Result};

pub const MAX_SIDE: u32 = 2048;
pub const THUMB_SIDE: u32 = 320;
pub const QUALITY: u8 = 85;
/// The largest photo accepted (a 50 MP camera; tablets make 12–16 MP).
pub const MAX_PIXELS: u64 = 50_000_000;

pub struct Prepared {
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn bad(e: impl std::fmt::Display) -> Error {
    Error::InvalidInput(msg!("image.unreadable", detail = e.to_string()))
}

fn encode(img: &DynamicImage, quality: u8, exif: Option<Vec<u8>>) -> Result<Vec<u8>> {
    let rgb = img.to_rgb8();
    let mut out = Cursor::new(Vec::new());
    let mut enc = JpegEncoder::new_with_quality(&mut out, quality);
    if let Some(e) = exif {
        // Writing EXIF into a JPEG is supported by the encoder; a failure only loses it.
        let _ = enc.set_exif_metadata(e);
    }
    enc.write_image(rgb.as_raw(), rgb.width(), rgb.height(), image::ExtendedColorType::Rgb8)
        .map_err(bad)?;
    Ok(out.into_inner())
}

/// A decoder for a picture's bytes whose size has been checked.
fn bounded_decoder(bytes: &[u8]) -> Result<impl ImageDecoder + '_> {
    let decoder = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(bad)?
        .into_decoder()
        .map_err(bad)?;
    // A header may claim any size: refuse what no tablet camera makes before decoding, so a
    // crafted file cannot exhaust memory (decode, rotate and resize each hold a copy).
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(Error::InvalidInput(msg!(
            "image.too_many_pixels",
            width = w,
            height = h,
            max = MAX_PIXELS / 1_000_000
        )));
    }
    Ok(decoder)
}

/// A picture from a file or a camera, decoded within the size limit and turned upright.
pub fn open_upright(bytes: &[u8]) -> Result<DynamicImage> {
    let mut decoder = bounded_decoder(bytes)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Prepare a photo for keeping. `keep_location`: keep the camera's EXIF (GPS included).
pub fn prepare(bytes: &[u8], keep_location: bool) -> Result<Prepared> {
    let mut decoder = bounded_decoder(bytes)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let exif = if keep_location {
        decoder.exif_metadata().ok().flatten().map(|mut e| {
            let _ = Orientation::remove_from_exif_chunk(&mut e);
            e
        })
    } else {
        None
    };
    let mut img = DynamicImage::from_decoder(decoder).map_err(bad)?;
    img.apply_orientation(orientation);
    if img.width().max(img.height()) > MAX_SIDE {
        img = img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle);
    }
    let thumb = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
    Ok(Prepared {
        jpeg: encode(&img, QUALITY, exif)?,
        thumb: encode(&thumb, 75, None)?,
        width: img.width(),
        height: img.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use brigada_record::messages::Locale::En;

    fn jpeg_of(w: u32, h: u32) -> Vec<u8> {
        let img = DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        }));
        encode(&img, 90, None).unwrap()
    }

    #[test]
    fn large_photos_shrink_to_2048_with_a_thumbnail() {
        let p = prepare(&jpeg_of(4000, 3000), false).unwrap();
        assert_eq!((p.width, p.height), (2048, 1536));
        let t = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!(t.width().max(t.height()), THUMB_SIDE);
        let small = prepare(&jpeg_of(800, 600), false).unwrap();
        assert_eq!((small.width, small.height), (800, 600), "small photos are not enlarged");
    }

    /// A JPEG whose EXIF says "rotate 90° clockwise to view" (orientation 6), with a GPS-ish
    /// marker string inside the EXIF to see whether it is kept.
    fn sideways_jpeg() -> Vec<u8> {
        let mut tiff = b"II*\0\x08\0\0\0\x01\0".to_vec();
        tiff.extend_from_slice(&[0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0]);
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        tiff.extend_from_slice(b"GPS-19.5432,-96.9102");
        let img = DynamicImage::ImageRgb8(image::RgbImage::new(40, 20));
        encode(&img, 90, Some(tiff)).unwrap()
    }

    #[test]
    fn photos_are_turned_upright_and_lose_their_location_unless_kept() {
        let raw = sideways_jpeg();
        let p = prepare(&raw, false).unwrap();
        assert_eq!((p.width, p.height), (20, 40), "orientation applied");
        let has = |b: &[u8]| b.windows(9).any(|w| w == b"GPS-19.54");
        assert!(has(&raw));
        assert!(!has(&p.jpeg), "location dropped");
        let kept = prepare(&raw, true).unwrap();
        assert!(has(&kept.jpeg), "location kept when asked");
        let again = prepare(&kept.jpeg, false).unwrap();
        assert_eq!(
            (again.width, again.height),
            (20, 40),
            "orientation reset in the kept EXIF"
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let e = prepare(b"not a photo", false).err().unwrap();
        assert!(e.render(En).contains("JPEG, PNG or WebP"), "{e}");
        // A PNG header claiming 60000×60000 pixels is refused before anything is decoded.
        let mut png = Vec::new();
        png.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR");
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&60_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        let e = prepare(&png, false).err().unwrap();
        assert!(
            e.render(En).contains("megapixels") || e.render(En).contains("could be read"),
            "{e}"
        );
    }
}
