//! Errors as the UI receives them: `{code, message}`. The code is the core's one
//! [`ErrorCode`] enum (exported to TypeScript from there); the message is the catalog's
//! sentence in the language the person chose (`set_locale`), ready to show as it is.

use brigada_core::messages::Message;
use serde::Serialize;
use ts_rs::TS;

pub use brigada_core::error::ErrorCode;

#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    /// An error of the app itself, its sentence from the catalog.
    pub fn new(code: ErrorCode, message: Message) -> AppError {
        AppError {
            code,
            message: message.to_string(),
        }
    }
}

impl From<brigada_core::Error> for AppError {
    fn from(e: brigada_core::Error) -> AppError {
        AppError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
