//! The camera: frames for the preview and continuous QR decoding, on a worker thread so
//! the window never waits for it.
//!
//! Frames come from a synthetic camera when `BRIGADA_CAMERA_FRAMES` names an image file or
//! a folder of images (tests, demos, machines without a camera), played in a loop at about
//! 12 fps. Without one, the scanner says plainly that there is no camera; the keyboard-wedge
//! field, manual entry and picking a photo still work.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use image::{DynamicImage, GrayImage};
use serde::Serialize;
use ts_rs::TS;

/// What the scanner screen receives while the camera runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CameraEvent {
    /// No camera here: say so, keep the other ways to scan.
    NoCamera { reason: String },
    /// A preview frame as a `data:` JPEG URL.
    Frame { data_url: String },
    /// A QR code was read in a frame (sent once per new text).
    Decoded { text: String },
}

/// Frames from image files, in a loop.
pub struct Synthetic {
    frames: Vec<(String, GrayImage)>,
}

fn images_in(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg" | "webp"))
            })
            .collect();
        v.sort();
        v
    } else {
        vec![path.to_owned()]
    }
}

fn preview(img: &DynamicImage) -> Option<String> {
    let small = if img.width() > 640 {
        img.resize(640, 640, image::imageops::FilterType::Triangle)
    } else {
        img.clone()
    };
    let mut jpeg = std::io::Cursor::new(Vec::new());
    small.to_rgb8().write_to(&mut jpeg, image::ImageFormat::Jpeg).ok()?;
    Some(format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg.into_inner())))
}

impl Synthetic {
    /// The synthetic camera named by `BRIGADA_CAMERA_FRAMES`, if any and readable.
    /// The synthetic camera, or the event that tells the UI there is no camera.
    pub fn from_env() -> Result<Synthetic, CameraEvent> {
        let no_camera = |reason: String| CameraEvent::NoCamera { reason };
        let path = std::env::var_os("BRIGADA_CAMERA_FRAMES")
            .map(PathBuf::from)
            .ok_or_else(|| no_camera("no camera was found on this device".into()))?;
        let frames: Vec<(String, GrayImage)> = images_in(&path)
            .iter()
            .filter_map(|p| image::open(p).ok())
            .filter_map(|img| Some((preview(&img)?, img.to_luma8())))
            .collect();
        if frames.is_empty() {
            return Err(no_camera(format!(
                "the synthetic camera {} has no readable images",
                path.display()
            )));
        }
        Ok(Synthetic { frames })
    }
}

/// Run the camera until `stop` is set, sending events to `send`. Returns when stopped or
/// when the receiver is gone.
pub fn run(stop: Arc<AtomicBool>, mut send: impl FnMut(CameraEvent) -> bool) {
    let cam = match Synthetic::from_env() {
        Ok(c) => c,
        Err(no_camera) => {
            send(no_camera);
            return;
        }
    };
    let mut last: Option<String> = None;
    for (preview, luma) in cam.frames.iter().cycle() {
        if stop.load(Ordering::Relaxed)
            || !send(CameraEvent::Frame {
                data_url: preview.clone(),
            })
        {
            return;
        }
        if let Ok(d) = brigada_core::qr::decode_image(luma)
            && last.as_deref() != Some(d.payload.as_str())
        {
            last = Some(d.payload.clone());
            if !send(CameraEvent::Decoded { text: d.payload }) {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(80));
    }
}
