//! Why a camera cannot give pictures. The scanner screen shows its own sentence for "no
//! camera" and "camera failed"; this text travels with the event for diagnostics.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CameraError {
    #[error("no camera was found on this device")]
    NotFound,
    #[error("the synthetic camera {} has no readable images", .0.display())]
    NoImages(PathBuf),
    #[error("the camera could not be opened ({0}): close other apps that use it")]
    Open(String),
    #[error("the camera stopped sending pictures ({0})")]
    Stopped(String),
    #[error("a camera picture could not be read ({0})")]
    BadFrame(String),
}
