//! Server errors: each maps to an HTTP status and a `{code, message}` JSON body that says
//! what was wrong and what to do.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use brigada_record::protocol::ErrorBody;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("missing or unknown device token: enrol the device with `brigada enroll URL CODE`")]
    Unauthorized,
    #[error("this device was revoked by the administrator: ask for a new enrolment code")]
    Revoked,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("the request is {size} bytes; the limit is {max}: sync in smaller batches")]
    TooLarge { size: usize, max: usize },
    #[error("{0}")]
    NotFound(String),
    #[error("the enrolment code is unknown, used or expired: ask the administrator for a new one")]
    BadCode,
    #[error("storage error: {0}")]
    Storage(String),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::Unauthorized | ServerError::Revoked => StatusCode::UNAUTHORIZED,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::BadCode => StatusCode::UNAUTHORIZED,
            ServerError::Storage(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
            ServerError::BadCode => "bad_code",
            ServerError::Storage(_) => "storage",
        }
    }
}

impl From<rusqlite::Error> for ServerError {
    fn from(e: rusqlite::Error) -> Self {
        ServerError::Storage(e.to_string())
    }
}

impl From<brigada_record::Error> for ServerError {
    fn from(e: brigada_record::Error) -> Self {
        ServerError::BadRequest(e.to_string())
    }
}

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if matches!(self, ServerError::Storage(_)) {
            tracing::error!(error = %self, "storage failure");
        }
        let body = ErrorBody {
            code: self.code().into(),
            message: self.to_string(),
        };
        (self.status(), Json(body)).into_response()
    }
}

pub type Result<T, E = ServerError> = std::result::Result<T, E>;
