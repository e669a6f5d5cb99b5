//! Server errors: each maps to an HTTP status and a `{code, message, said}` JSON body
//! that says what was wrong and what to do. `said` is the sentence as a catalog message,
//! so each device shows it in its own language; `message` is it in the server's language
//! (for `curl` and logs).

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use brigada_record::messages::{Message, locale};
use brigada_record::msg;
use brigada_record::protocol::ErrorBody;

#[derive(Debug)]
pub enum ServerError {
    Unauthorized,
    Revoked,
    Forbidden(Message),
    BadRequest(Message),
    TooLarge {
        size: usize,
        max: usize,
    },
    NotFound(Message),
    /// The request clashes with what the server holds (a folio code already in use).
    Conflict(Message),
    BadCode,
    /// The body stopped arriving (the body timeout passed between two pieces).
    SlowBody,
    /// Too many attempts from one address; try again after `seconds`.
    TooMany {
        seconds: u64,
    },
    /// The detail stays in the server's log; a device is told only that storage failed.
    Storage(String),
    /// A concurrent request changed the same rows first (a shared database): the storage
    /// runs the request again, and says this only when it kept losing.
    Busy(String),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Unauthorized | ServerError::Revoked => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::Conflict(_) => StatusCode::CONFLICT,
            ServerError::BadCode => StatusCode::UNAUTHORIZED,
            ServerError::SlowBody => StatusCode::REQUEST_TIMEOUT,
            ServerError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ServerError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ServerError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            ServerError::Unauthorized => "unauthorized",
            ServerError::Revoked => "revoked",
            ServerError::Forbidden(_) => "forbidden",
            ServerError::BadRequest(_) => "bad_request",
            ServerError::TooLarge { .. } => "too_large",
            ServerError::NotFound(_) => "not_found",
            ServerError::Conflict(_) => "conflict",
            ServerError::BadCode => "bad_code",
            ServerError::SlowBody => "slow_body",
            ServerError::TooMany { .. } => "too_many",
            ServerError::Storage(_) => "storage",
            ServerError::Busy(_) => "busy",
        }
    }

    /// What the device is told.
    pub fn said(&self) -> Message {
        match self {
            ServerError::Unauthorized => msg!("server.unauthorized"),
            ServerError::Revoked => msg!("server.revoked"),
            ServerError::Forbidden(m)
            | ServerError::BadRequest(m)
            | ServerError::NotFound(m)
            | ServerError::Conflict(m) => m.clone(),
            ServerError::TooLarge { size, max } => msg!("server.too_large", size = *size, max = *max),
            ServerError::BadCode => msg!("server.bad_code"),
            ServerError::SlowBody => msg!("server.body_timeout"),
            ServerError::TooMany { seconds } => msg!("server.too_many_attempts", seconds = *seconds),
            ServerError::Storage(_) => msg!("server.storage"),
            ServerError::Busy(_) => msg!("server.busy"),
        }
    }
}

/// In the server's language, with a storage failure's detail (the log, the admin commands).
impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Storage(detail) | ServerError::Busy(detail) => {
                write!(f, "{}", msg!("server.storage_detail", detail = detail))
            }
            other => write!(f, "{}", other.said()),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Storage(e.to_string())
    }
}

impl From<brigada_record::Error> for ServerError {
    fn from(e: brigada_record::Error) -> Self {
        ServerError::BadRequest(e.message())
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if matches!(self, ServerError::Storage(_)) {
            tracing::error!(error = %self, "storage failure");
        }
        if matches!(self, ServerError::Busy(_)) {
            tracing::warn!(error = %self, "request kept losing to concurrent ones");
        }
        let said = self.said();
        let body = ErrorBody {
            code: self.code().into(),
            message: said.render(locale()),
            said: Some(said),
        };
        let mut response = (self.status(), Json(body)).into_response();
        let retry_after = match self {
            ServerError::TooMany { seconds } => Some(seconds),
            ServerError::Busy(_) => Some(2),
            _ => None,
        };
        if let Some(seconds) = retry_after
            && let Ok(v) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
        }
        response
    }
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;
