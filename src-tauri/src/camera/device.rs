//! A real camera through nokhwa (V4L2 on Linux, Media Foundation on Windows,
//! AVFoundation on macOS).
//!
//! A tablet has a front and a rear camera; the scanner starts on the one the user picked
//! last (index), and the screen offers to switch when there are several.

use image::RgbImage;
use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType, Resolution,
};

use super::{CameraError, Source};

pub struct Device {
    camera: Camera,
}

/// The cameras this device has: their names, in index order.
pub fn list() -> Vec<String> {
    nokhwa::query(ApiBackend::Auto)
        .map(|cams| cams.into_iter().map(|c| c.human_name()).collect())
        .unwrap_or_default()
}

impl Device {
    /// Open camera `index` for 1280×720 (enough for a tag at arm's length, light to decode).
    pub fn open(index: u32) -> Result<Device, CameraError> {
        let wanted = CameraFormat::new(Resolution::new(1280, 720), FrameFormat::MJPEG, 30);
        let format = RequestedFormat::new::<RgbFormat>(RequestedFormatType::Closest(wanted));
        let mut camera =
            Camera::new(CameraIndex::Index(index), format).map_err(|e| CameraError::Open(e.to_string()))?;
        camera.open_stream().map_err(|e| CameraError::Open(e.to_string()))?;
        Ok(Device { camera })
    }
}

impl Source for Device {
    fn name(&self) -> String {
        self.camera.info().human_name()
    }

    fn next_frame(&mut self) -> Result<RgbImage, CameraError> {
        let buffer = self.camera.frame().map_err(|e| CameraError::Stopped(e.to_string()))?;
        // nokhwa's MJPEG path (mozjpeg) reports a corrupt picture by panicking: contain it,
        // skip that frame.
        std::panic::catch_unwind(move || buffer.decode_image::<RgbFormat>())
            .map_err(|_| CameraError::BadFrame("corrupt".into()))?
            .map_err(|e| CameraError::BadFrame(e.to_string()))
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        let _ = self.camera.stop_stream();
    }
}
