//! One closed error type for the whole core.
//!
//! Every error says what was wrong and what to do about it, because the CLI prints it as
//! one line and the app shows it to a technician standing in a hospital corridor. The
//! [`Error::code`] is stable and machine-readable (`{code, message}` for the UI); callers
//! match on the variant or the code, never on the message text.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Brigada data in {0}: run `brigada init --device-name NAME` first")]
    NotInitialised(PathBuf),
    #[error("Brigada data already exists in {0}: use it, or choose another --home")]
    AlreadyInitialised(PathBuf),
    #[error("wrong passphrase: nothing was changed; try again with the passphrase given at `init`")]
    WrongPassphrase,
    #[error("the passphrase is empty: give at least 4 characters")]
    WeakPassphrase,
    #[error(
        "{path} is not a Brigada database (or it is damaged): {detail}. Restore it from a backup or sync a fresh copy"
    )]
    CorruptDatabase { path: PathBuf, detail: String },
    #[error(
        "the database has schema version {found} but this program knows only up to {known}: update Brigada; the database was not touched"
    )]
    DatabaseTooNew { found: i64, known: i64 },
    #[error("unknown procedure {0:?}: run `brigada procedures` to list them")]
    UnknownProcedure(String),
    #[error("procedure {id} has no step {step:?}: run `brigada show REF` to see the steps")]
    UnknownStep { id: String, step: String },
    #[error("step {step} is not allowed now: {why}")]
    IllegalTransition { step: String, why: String },
    #[error("step {step} still needs: {missing}")]
    MissingEvidence { step: String, missing: String },
    #[error("invalid answer {answer:?} for step {step}: expected one of {allowed}")]
    InvalidAnswer {
        step: String,
        answer: String,
        allowed: String,
    },
    #[error("no expediente matches {0:?}: give its id or folio (see `brigada list`)")]
    NotFound(String),
    #[error("no asset with tag {0:?}: register it with `brigada asset add`")]
    AssetNotFound(String),
    #[error("asset tag {0} is already registered: use `brigada asset show {0}`")]
    DuplicateTag(String),
    #[error("invalid value for {field}: {why}")]
    InvalidField { field: String, why: String },
    #[error("{0}")]
    InvalidInput(String),
    #[error("{path}: {why}")]
    BadFile { path: PathBuf, why: String },
    #[error("the file is {size} bytes; attachments may be at most {max} bytes: reduce it and try again")]
    TooLarge { size: u64, max: u64 },
    #[error("blob {0} is missing or damaged: sync again to fetch it")]
    BlobDamaged(String),
    #[error("the QR code could not be read: {0}")]
    QrNotFound(String),
    #[error("the stored document {id} cannot be loaded: {detail}")]
    BadDocument { id: String, detail: String },
    #[error(
        "this device is not enrolled with a sync server: run `brigada enroll URL CODE` with the code from the administrator"
    )]
    NotEnrolled,
    #[error(
        "the server refused this device ({0}): it was revoked or never enrolled; ask the administrator for a new enrolment code. Nothing stored here was lost"
    )]
    Unauthorized(String),
    #[error("the server refused access: {0}")]
    Forbidden(String),
    #[error("Brigada was locked while working: unlock it and try again; nothing was lost")]
    Locked,
    #[error("cannot reach the sync server at {url}: {why}. Nothing was lost; sync again when the network is back")]
    Network { url: String, why: String },
    #[error("the sync server answered {status}: {message}")]
    Server { status: u16, code: String, message: String },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("document error: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

impl Error {
    /// Stable, machine-readable code for the UI and for scripts.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotInitialised(_) => "not_initialised",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::WrongPassphrase => "wrong_passphrase",
            Error::WeakPassphrase => "weak_passphrase",
            Error::CorruptDatabase { .. } => "corrupt_database",
            Error::DatabaseTooNew { .. } => "database_too_new",
            Error::UnknownProcedure(_) => "unknown_procedure",
            Error::UnknownStep { .. } => "unknown_step",
            Error::IllegalTransition { .. } => "illegal_transition",
            Error::MissingEvidence { .. } => "missing_evidence",
            Error::InvalidAnswer { .. } => "invalid_answer",
            Error::NotFound(_) => "not_found",
            Error::AssetNotFound(_) => "asset_not_found",
            Error::DuplicateTag(_) => "duplicate_tag",
            Error::InvalidField { .. } => "invalid_field",
            Error::InvalidInput(_) => "invalid_input",
            Error::BadFile { .. } => "bad_file",
            Error::TooLarge { .. } => "too_large",
            Error::BlobDamaged(_) => "blob_damaged",
            Error::QrNotFound(_) => "qr_not_found",
            Error::BadDocument { .. } => "bad_document",
            Error::NotEnrolled => "not_enrolled",
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::Locked => "locked",
            Error::Network { .. } => "network",
            Error::Server { .. } => "server",
            Error::Sql(_) => "database",
            Error::Io(_) => "io",
            Error::Automerge(_) => "document",
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
