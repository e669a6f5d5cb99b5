//! Errors as the UI receives them: `{code, message}`, the code from a closed enum the UI
//! matches on (and translates), the message the core's sentence for details.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotInitialised,
    AlreadyInitialised,
    WrongPassphrase,
    WeakPassphrase,
    Locked,
    CorruptDatabase,
    DatabaseTooNew,
    UnknownProcedure,
    UnknownStep,
    IllegalTransition,
    MissingEvidence,
    InvalidAnswer,
    NotFound,
    AssetNotFound,
    DuplicateTag,
    InvalidField,
    InvalidInput,
    BadFile,
    TooLarge,
    BlobDamaged,
    QrNotFound,
    BadDocument,
    NotEnrolled,
    Unauthorized,
    Forbidden,
    Network,
    Server,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            code,
            message: message.into(),
        }
    }
}

impl From<brigada_core::Error> for AppError {
    fn from(e: brigada_core::Error) -> AppError {
        use ErrorCode::*;
        let code = match e.code() {
            "not_initialised" => NotInitialised,
            "already_initialised" => AlreadyInitialised,
            "wrong_passphrase" => WrongPassphrase,
            "weak_passphrase" => WeakPassphrase,
            "corrupt_database" => CorruptDatabase,
            "database_too_new" => DatabaseTooNew,
            "unknown_procedure" => UnknownProcedure,
            "unknown_step" => UnknownStep,
            "illegal_transition" => IllegalTransition,
            "missing_evidence" => MissingEvidence,
            "invalid_answer" => InvalidAnswer,
            "not_found" => NotFound,
            "asset_not_found" => AssetNotFound,
            "duplicate_tag" => DuplicateTag,
            "invalid_field" => InvalidField,
            "invalid_input" => InvalidInput,
            "bad_file" => BadFile,
            "too_large" => TooLarge,
            "blob_damaged" => BlobDamaged,
            "qr_not_found" => QrNotFound,
            "bad_document" => BadDocument,
            "not_enrolled" => NotEnrolled,
            "unauthorized" => Unauthorized,
            "forbidden" => Forbidden,
            "locked" => Locked,
            "network" => Network,
            "server" => Server,
            _ => Internal,
        };
        AppError::new(code, e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, AppError>;
