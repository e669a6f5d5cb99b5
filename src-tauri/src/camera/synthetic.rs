//! A camera made of image files (`BRIGADA_CAMERA_FRAMES`: one image or a folder), played
//! in a loop at a camera's pace: for tests, demos and machines without a camera.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use image::RgbImage;

use super::{CameraError, Source};

/// About 15 frames a second, like a tablet camera in a dim room.
const FRAME_INTERVAL: Duration = Duration::from_millis(66);

pub struct Synthetic {
    frames: Vec<RgbImage>,
    next: usize,
    due: Instant,
}

fn images_in(path: &Path) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_owned()];
    }
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
}

impl Synthetic {
    /// The frames in `path`, or why there are none.
    pub fn open(path: &Path) -> Result<Synthetic, CameraError> {
        let frames: Vec<RgbImage> = images_in(path)
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .filter_map(|bytes| brigada_core::photo::open_upright(&bytes).ok())
            .map(|img| img.to_rgb8())
            .collect();
        if frames.is_empty() {
            return Err(CameraError::NoImages(path.to_owned()));
        }
        Ok(Synthetic {
            frames,
            next: 0,
            due: Instant::now(),
        })
    }
}

impl Source for Synthetic {
    fn name(&self) -> String {
        "synthetic".into()
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        if let Some(wait) = self.due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        self.due = Instant::now() + FRAME_INTERVAL;
        let frame = self.frames[self.next % self.frames.len()].clone();
        self.next = self.next.wrapping_add(1);
        Ok(frame)
    }
}
