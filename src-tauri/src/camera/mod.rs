//! The camera: a live preview and continuous QR decoding, off the UI thread.
//!
//! Two threads per scanning session. The capture thread takes frames from the [`Source`]
//! and sends each as a small JPEG for the preview, so the preview keeps the camera's pace
//! (≥ 10 fps) however slow decoding is. It also leaves the newest frame in a one-slot
//! mailbox; the decoding thread takes whatever is newest, sends it to the QR reader's
//! worker process (a decoder crash cannot take the window down) and reports each new code
//! once. Frames that arrive while a decode runs are simply replaced: no queue builds up.
//!
//! Sources: [`synthetic::Synthetic`] when `BRIGADA_CAMERA_FRAMES` names images (tests,
//! demos), else the device's cameras through nokhwa ([`device::Device`]). With neither, the
//! screen says plainly that there is no camera; typing, a wedge scanner and picking a photo
//! still work.

pub mod device;
mod error;
pub mod synthetic;

pub use error::CameraError;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use brigada_core::qr::worker::Isolated;
use image::{GrayImage, RgbImage};
use serde::Serialize;
use ts_rs::TS;

/// Preview frames are at most this wide (enough for a tablet's preview box).
const PREVIEW_WIDTH: u32 = 640;
/// Frames are decoded at most this size on the long side.
const DECODE_SIDE: u32 = 1600;

/// What the scanner screen receives while the camera runs.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CameraEvent {
    /// No camera here: say so, keep the other ways to scan.
    NoCamera { reason: String },
    /// The camera started: which one, of how many (offer to switch when more than one).
    Started { name: String, index: u32, count: u32 },
    /// A preview frame as a `data:` JPEG URL.
    Frame { data_url: String },
    /// A QR code was read in a frame (sent once per new text).
    Decoded { text: String },
    /// The camera stopped by itself (unplugged, taken by another app).
    Failed { reason: String },
}

/// Where frames come from.
pub trait Source {
    fn name(&self) -> String;
    /// The next frame, waiting for it as a camera does.
    fn next_frame(&mut self) -> Result<RgbImage, CameraError>;
}

/// Open the camera to use: the synthetic one if configured, else device camera `index`
/// (wrapping around). Returns the source, its index and how many cameras there are.
fn open(index: u32) -> Result<(Box<dyn Source>, u32, u32), CameraError> {
    if let Some(path) = std::env::var_os("BRIGADA_CAMERA_FRAMES") {
        let cam = synthetic::Synthetic::open(&PathBuf::from(path))?;
        return Ok((Box::new(cam), 0, 1));
    }
    let count = u32::try_from(device::list().len()).unwrap_or(u32::MAX);
    if count == 0 {
        return Err(CameraError::NotFound);
    }
    let index = index % count;
    let cam = device::Device::open(index)?;
    Ok((Box::new(cam), index, count))
}

/// A frame as the preview's small JPEG `data:` URL.
pub fn preview(frame: &RgbImage) -> Option<String> {
    let small;
    let img = if frame.width() > PREVIEW_WIDTH {
        let h = (u64::from(frame.height()) * u64::from(PREVIEW_WIDTH) / u64::from(frame.width())).max(1);
        small = image::imageops::resize(
            frame,
            PREVIEW_WIDTH,
            u32::try_from(h).ok()?,
            image::imageops::FilterType::Triangle,
        );
        &small
    } else {
        frame
    };
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
        .encode_image(img)
        .ok()?;
    Some(format!("data:image/jpeg;base64,{}", STANDARD.encode(jpeg.into_inner())))
}

/// A frame as the grey, bounded picture the QR reader takes.
pub fn for_decoding(frame: &RgbImage) -> GrayImage {
    let grey = image::imageops::grayscale(frame);
    if grey.width().max(grey.height()) <= DECODE_SIDE {
        return grey;
    }
    let (w, h) = (grey.width(), grey.height());
    let scale = f64::from(DECODE_SIDE) / f64::from(w.max(h));
    // Rounded sizes of a scaled-down frame fit in u32.
    let (nw, nh) = ((f64::from(w) * scale) as u32, (f64::from(h) * scale) as u32);
    image::imageops::resize(&grey, nw.max(1), nh.max(1), image::imageops::FilterType::Triangle)
}

/// The newest frame waiting to be decoded (one slot: older frames are dropped).
#[derive(Default)]
struct Mailbox {
    slot: Mutex<Option<GrayImage>>,
    ready: Condvar,
}

impl Mailbox {
    fn put(&self, frame: GrayImage) {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(frame);
        self.ready.notify_one();
    }

    fn take(&self, stop: &AtomicBool) -> Option<GrayImage> {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            if let Some(f) = slot.take() {
                return Some(f);
            }
            slot = self
                .ready
                .wait_timeout(slot, Duration::from_millis(200))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// The newest whole camera picture, for "Tomar foto" (empty while no camera runs).
///
/// Each picture is kept with the stop flag of the camera session that took it. When the
/// user moves the camera from one view to another, the old session stops while the new
/// one already runs: the old one may neither overwrite the new session's picture nor
/// clear it on its way out (it did, and "Tomar foto" then found no picture).
#[derive(Clone, Default)]
pub struct LatestFrame(Arc<Mutex<Option<Kept>>>);

/// A picture and the stop flag of the session that took it.
type Kept = (Arc<AtomicBool>, RgbImage);

impl LatestFrame {
    /// Keep `frame` as the newest picture of the session `owner`, unless it was stopped.
    fn keep(&self, owner: &Arc<AtomicBool>, frame: RgbImage) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !owner.load(Ordering::Relaxed) {
            *slot = Some((owner.clone(), frame));
        }
    }

    /// Session `owner` ended: drop its picture (a newer session's stays).
    fn release(&self, owner: &Arc<AtomicBool>) {
        let mut slot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if slot.as_ref().is_some_and(|(o, _)| Arc::ptr_eq(o, owner)) {
            *slot = None;
        }
    }

    /// The newest picture as a JPEG for the photo pipeline (which sizes and re-encodes it).
    pub fn snapshot(&self) -> Option<Vec<u8>> {
        let frame = self.0.lock().unwrap_or_else(|p| p.into_inner()).as_ref()?.1.clone();
        let mut jpeg = std::io::Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(&frame)
            .ok()?;
        Some(jpeg.into_inner())
    }
}

/// Run camera `index` until `stop` is set or the receiver is gone, sending events to
/// `send`; decoding goes through `decoder` (the shared QR worker process); the newest
/// picture is kept in `latest`.
pub fn run(
    index: u32,
    stop: Arc<AtomicBool>,
    decoder: Arc<Mutex<Isolated>>,
    latest: LatestFrame,
    send: impl Fn(CameraEvent) -> bool + Send + Sync + 'static,
) {
    let (mut source, index, count) = match open(index) {
        Ok(opened) => opened,
        Err(e) => {
            send(CameraEvent::NoCamera { reason: e.to_string() });
            return;
        }
    };
    let send = Arc::new(send);
    if !send(CameraEvent::Started {
        name: source.name(),
        index,
        count,
    }) {
        return;
    }
    let mailbox = Arc::new(Mailbox::default());
    let decoding = {
        let (stop, mailbox, send) = (stop.clone(), mailbox.clone(), send.clone());
        std::thread::spawn(move || {
            let mut last: Option<String> = None;
            while let Some(frame) = mailbox.take(&stop) {
                let result = decoder.lock().unwrap_or_else(|p| p.into_inner()).decode(&frame);
                if let Ok(d) = result
                    && last.as_deref() != Some(d.payload.as_str())
                {
                    last = Some(d.payload.clone());
                    if !send(CameraEvent::Decoded { text: d.payload }) {
                        stop.store(true, Ordering::Relaxed);
                    }
                }
            }
        })
    };
    let mut failures = 0;
    while !stop.load(Ordering::Relaxed) {
        match source.next_frame() {
            // Stopped while the frame was coming (another view took the camera): a stopped
            // session shows nothing more, or its picture would stand in for the new one's.
            Ok(_) if stop.load(Ordering::Relaxed) => break,
            Ok(frame) => {
                failures = 0;
                mailbox.put(for_decoding(&frame));
                let data_url = preview(&frame);
                // Kept before it is shown: what the user sees can always be taken.
                latest.keep(&stop, frame);
                if data_url.is_some_and(|data_url| !send(CameraEvent::Frame { data_url })) {
                    break;
                }
            }
            // A corrupt frame now and then is normal; a camera that keeps failing is gone.
            Err(e) => {
                failures += 1;
                if failures >= 10 {
                    send(CameraEvent::Failed { reason: e.to_string() });
                    break;
                }
            }
        }
    }
    stop.store(true, Ordering::Relaxed);
    latest.release(&stop);
    mailbox.ready.notify_one();
    let _ = decoding.join();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(shade: u8) -> RgbImage {
        RgbImage::from_pixel(4, 4, image::Rgb([shade, shade, shade]))
    }

    fn shade_of(latest: &LatestFrame) -> Option<u8> {
        let jpeg = latest.snapshot()?;
        Some(image::load_from_memory(&jpeg).unwrap().to_rgb8().get_pixel(1, 1).0[0])
    }

    #[test]
    fn moving_the_camera_to_another_view_keeps_the_new_views_picture() {
        let latest = LatestFrame::default();
        let (old, new) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicBool::new(false)));
        latest.keep(&old, picture(20));
        assert!(shade_of(&latest).is_some_and(|s| s.abs_diff(20) < 4));
        // Another view takes the camera: the old session is told to stop, the new one runs.
        old.store(true, Ordering::Relaxed);
        latest.keep(&new, picture(200));
        // The old session's last frame, already captured, arrives late; then it ends.
        latest.keep(&old, picture(20));
        latest.release(&old);
        let shade = shade_of(&latest).expect("the new session's picture is still there to take");
        assert!(
            shade.abs_diff(200) < 4,
            "the picture is the new session's, not the old one's: {shade}"
        );
        // When the new session ends too, nothing stale is left to take.
        new.store(true, Ordering::Relaxed);
        latest.release(&new);
        assert!(latest.snapshot().is_none());
    }
}
