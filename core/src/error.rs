//! One closed error type for the whole core.
//!
//! Every error says what was wrong and what to do about it, because the CLI prints it as
//! one line and the app shows it to a technician standing in a hospital corridor. The
//! [`Error::code`] is stable and machine-readable (`{code, message}` for the UI); callers
//! match on the variant or the code, never on the message text. The text itself is a
//! [`Message`] of the one catalog (`brigada_record::messages`), in the reader's language.

use std::fmt;
use std::path::PathBuf;

pub use brigada_record::ErrorCode;
use brigada_record::messages::{Arg, Message};
use brigada_record::msg;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    NotInitialised(PathBuf),
    AlreadyInitialised(PathBuf),
    WrongPassphrase,
    WeakPassphrase,
    /// `detail` is the database engine's own words, kept for the log and the support desk.
    CorruptDatabase {
        path: PathBuf,
        detail: String,
    },
    DatabaseTooNew {
        found: i64,
        known: i64,
    },
    /// What the record found wrong (a procedure, a step, a document); its code and words
    /// are the record's own. (Its invalid input and invalid field come in as the core's
    /// variants of the same names, which the core raises too.)
    Record(Box<brigada_record::Error>),
    NotFound(String),
    /// A printed paper's expediente (by id) is not on this device (yet).
    PaperNotHere(String),
    AssetNotFound(String),
    DuplicateTag(String),
    /// `field` is what the person knows the field as (its label), not an internal id.
    InvalidField {
        field: String,
        why: Message,
    },
    InvalidInput(Message),
    BadFile {
        path: PathBuf,
        why: Message,
    },
    TooLarge {
        size: u64,
        max: u64,
    },
    BlobDamaged(String),
    QrNotFound(Message),
    NotEnrolled,
    /// The server's own sentence: a catalog message (shown in this device's language), or
    /// the text of an answer that did not come from a Brigada server.
    Unauthorized(Arg),
    Forbidden(Arg),
    Locked,
    Network {
        url: String,
        why: Message,
    },
    Server {
        status: u16,
        code: String,
        message: Arg,
    },
    Sql(#[from] rusqlite::Error),
    Io(#[from] std::io::Error),
    Automerge(#[from] automerge::AutomergeError),
}

impl Error {
    /// Stable, machine-readable code for the UI and for scripts.
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Error::NotInitialised(_) => C::NotInitialised,
            Error::AlreadyInitialised(_) => C::AlreadyInitialised,
            Error::WrongPassphrase => C::WrongPassphrase,
            Error::WeakPassphrase => C::WeakPassphrase,
            Error::CorruptDatabase { .. } => C::CorruptDatabase,
            Error::DatabaseTooNew { .. } => C::DatabaseTooNew,
            Error::Record(e) => e.code(),
            Error::NotFound(_) | Error::PaperNotHere(_) => C::NotFound,
            Error::AssetNotFound(_) => C::AssetNotFound,
            Error::DuplicateTag(_) => C::DuplicateTag,
            Error::InvalidField { .. } => C::InvalidField,
            Error::InvalidInput(_) => C::InvalidInput,
            Error::BadFile { .. } => C::BadFile,
            Error::TooLarge { .. } => C::TooLarge,
            Error::BlobDamaged(_) => C::BlobDamaged,
            Error::QrNotFound(_) => C::QrNotFound,
            Error::NotEnrolled => C::NotEnrolled,
            Error::Unauthorized(_) => C::Unauthorized,
            Error::Forbidden(_) => C::Forbidden,
            Error::Locked => C::Locked,
            Error::Network { .. } => C::Network,
            Error::Server { .. } => C::Server,
            Error::Sql(_) => C::Database,
            Error::Io(_) => C::Io,
            Error::Automerge(_) => C::Document,
        }
    }

    /// What a person reads about this error.
    pub fn message(&self) -> Message {
        match self {
            Error::NotInitialised(p) => msg!("not_initialised", path = p.display().to_string()),
            Error::AlreadyInitialised(p) => msg!("already_initialised", path = p.display().to_string()),
            Error::WrongPassphrase => msg!("wrong_passphrase"),
            Error::WeakPassphrase => msg!("weak_passphrase"),
            Error::CorruptDatabase { path, detail } => {
                msg!("corrupt_database", path = path.display().to_string(), detail = detail)
            }
            Error::DatabaseTooNew { found, known } => msg!("database_too_new", found = *found, known = *known),
            Error::Record(e) => e.message(),
            Error::NotFound(r) => msg!("not_found", reference = r),
            Error::PaperNotHere(id) => msg!("verify.paper_not_here", id = id),
            Error::AssetNotFound(t) => msg!("asset_not_found", tag = t),
            Error::DuplicateTag(t) => msg!("duplicate_tag", tag = t),
            Error::InvalidField { field, why } => msg!("invalid_field", field = field, why = why.clone()),
            Error::InvalidInput(m) => m.clone(),
            Error::BadFile { path, why } => msg!("bad_file", path = path.display().to_string(), why = why.clone()),
            Error::TooLarge { size, max } => msg!("too_large", size = megabytes(*size), max = megabytes(*max)),
            Error::BlobDamaged(h) => msg!("blob_damaged", hash = h.chars().take(12).collect::<String>()),
            Error::QrNotFound(why) => msg!("qr_not_found", why = why.clone()),
            Error::NotEnrolled => msg!("not_enrolled"),
            Error::Unauthorized(m) => msg!("unauthorized", server = m.clone()),
            Error::Forbidden(m) => msg!("forbidden", server = m.clone()),
            Error::Locked => msg!("locked"),
            Error::Network { url, why } => msg!("network", url = url, why = why.clone()),
            Error::Server { status, message, .. } => msg!("server", status = *status, server = message.clone()),
            Error::Sql(e) => msg!("database", detail = e.to_string()),
            Error::Io(e) => msg!("io", detail = io_words(e)),
            Error::Automerge(e) => msg!("document", detail = e.to_string()),
        }
    }
}

impl Error {
    /// The message in `locale`, whatever this process's locale is (logs, tests).
    pub fn render(&self, locale: brigada_record::messages::Locale) -> String {
        self.message().render(locale)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

/// A size as people read it: "12.5 MB".
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

/// The operating system's error as a catalog message where its kind is a common one
/// (its own words are English), else its words.
pub fn io_words(e: &std::io::Error) -> Message {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => msg!("io.not_found"),
        K::PermissionDenied => msg!("io.permission_denied"),
        K::StorageFull => msg!("io.storage_full"),
        K::ReadOnlyFilesystem => msg!("io.read_only"),
        K::AlreadyExists => msg!("io.already_exists"),
        _ => msg!("io.other", detail = e.to_string()),
    }
}

impl From<brigada_record::Error> for Error {
    fn from(e: brigada_record::Error) -> Error {
        use brigada_record::Error as R;
        match e {
            R::InvalidField { field, why } => Error::InvalidField { field, why },
            R::InvalidInput(why) => Error::InvalidInput(why),
            R::Automerge(e) => Error::Automerge(e),
            other => Error::Record(Box::new(other)),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
