//! The record's errors, and the stable error codes of all of Brigada.
//!
//! [`ErrorCode`] is the one list of codes: the core's errors, the app's `{code, message}`
//! and the TypeScript the UI matches on (exported from this enum) all use it. What a
//! person reads is never written here: every error is a [`Message`] of the catalog
//! (`record/messages.toml`), shown in the reader's language.
//!
//! The record's own errors (a document, a procedure step or a protocol message that is
//! not what it must be) travel inside the core's error type as they are (`Record`), with
//! their code and words, so a caller sees one set of codes whichever side found them.

use std::fmt;

use serde::Serialize;

use crate::messages::Message;
use crate::msg;

macro_rules! codes {
    ($($variant:ident => $code:literal),* $(,)?) => {
        /// Stable, machine-readable error codes (`{code, message}` for the UI, `error[code]`
        /// and `--json` for scripts). Never renamed: scripts and the UI match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ErrorCode {
            $(#[serde(rename = $code)] $variant),*
        }

        impl ErrorCode {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code),*
                }
            }
        }
    };
}

codes! {
    NotInitialised => "not_initialised",
    AlreadyInitialised => "already_initialised",
    WrongPassphrase => "wrong_passphrase",
    WeakPassphrase => "weak_passphrase",
    Locked => "locked",
    CorruptDatabase => "corrupt_database",
    DatabaseTooNew => "database_too_new",
    UnknownProcedure => "unknown_procedure",
    UnknownStep => "unknown_step",
    IllegalTransition => "illegal_transition",
    MissingEvidence => "missing_evidence",
    InvalidAnswer => "invalid_answer",
    NotFound => "not_found",
    AssetNotFound => "asset_not_found",
    DuplicateTag => "duplicate_tag",
    InvalidField => "invalid_field",
    InvalidInput => "invalid_input",
    BadFile => "bad_file",
    TooLarge => "too_large",
    BlobDamaged => "blob_damaged",
    QrNotFound => "qr_not_found",
    BadDocument => "bad_document",
    NotEnrolled => "not_enrolled",
    Unauthorized => "unauthorized",
    Forbidden => "forbidden",
    Network => "network",
    Server => "server",
    Database => "database",
    Io => "io",
    Document => "document",
    Internal => "internal",
}

/// `code == "wrong_passphrase"`: scripts' and tests' way of naming a code.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    UnknownProcedure(String),
    UnknownStep {
        id: String,
        step: String,
    },
    IllegalTransition {
        step: String,
        why: Message,
    },
    MissingEvidence {
        step: String,
        missing: Vec<Message>,
    },
    InvalidAnswer {
        step: String,
        answer: String,
        allowed: String,
    },
    /// `field` is what the person knows the field as (its label), not an internal id.
    InvalidField {
        field: String,
        why: Message,
    },
    InvalidInput(Message),
    BadDocument {
        id: String,
        detail: Message,
    },
    Automerge(#[from] automerge::AutomergeError),
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::UnknownProcedure(_) => ErrorCode::UnknownProcedure,
            Error::UnknownStep { .. } => ErrorCode::UnknownStep,
            Error::IllegalTransition { .. } => ErrorCode::IllegalTransition,
            Error::MissingEvidence { .. } => ErrorCode::MissingEvidence,
            Error::InvalidAnswer { .. } => ErrorCode::InvalidAnswer,
            Error::InvalidField { .. } => ErrorCode::InvalidField,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::BadDocument { .. } => ErrorCode::BadDocument,
            Error::Automerge(_) => ErrorCode::Document,
        }
    }

    /// What a person reads about this error.
    pub fn message(&self) -> Message {
        match self {
            Error::UnknownProcedure(id) => msg!("unknown_procedure", id = id),
            Error::UnknownStep { id, step } => msg!("unknown_step", procedure = id, step = step),
            Error::IllegalTransition { step, why } => msg!("illegal_transition", step = step, why = why.clone()),
            Error::MissingEvidence { step, missing } => {
                msg!("missing_evidence", step = step, missing = missing.clone())
            }
            Error::InvalidAnswer { step, answer, allowed } => {
                msg!("invalid_answer", step = step, answer = answer, allowed = allowed)
            }
            Error::InvalidField { field, why } => msg!("invalid_field", field = field, why = why.clone()),
            Error::InvalidInput(m) => m.clone(),
            Error::BadDocument { id, detail } => msg!("bad_document", id = id, detail = detail.clone()),
            Error::Automerge(e) => msg!("document", detail = e.to_string()),
        }
    }
}

impl Error {
    /// The message in `locale`, whatever this process's locale is (logs, tests).
    pub fn render(&self, locale: crate::messages::Locale) -> String {
        self.message().render(locale)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
