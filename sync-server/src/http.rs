//! The HTTP surface, versioned under `/v1`. Thin handlers: authenticate, bound the body,
//! decode, call storage on a blocking thread, encode.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use brigada_core::sync::protocol::{self, EnrollRequest, EnrollResponse, SyncRequest};

use crate::devices::{self, Device};
use crate::error::{Result, ServerError};
use crate::storage::{Enrolment, Storage};

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/sync", post(sync))
        // Bodies are checked against the protocol's limit by hand (for a clear 413 message);
        // axum's own limit sits just above it.
        .layer(DefaultBodyLimit::max(protocol::MAX_BODY + 1024))
        .with_state(state)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ServerError::Storage(format!("worker failed: {e}")))?
}

async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Device> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ServerError::Unauthorized)?
        .trim()
        .to_owned();
    let storage = state.storage.clone();
    let device = blocking(move || storage.device_by_token(&devices::hash(&token))).await?;
    match device {
        None => Err(ServerError::Unauthorized),
        Some(d) if d.revoked_at.is_some() => Err(ServerError::Revoked),
        Some(d) => Ok(d),
    }
}

async fn enroll(State(state): State<AppState>, body: Bytes) -> Result<Json<EnrollResponse>> {
    let req: EnrollRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(format!("the enrolment request is not valid JSON: {e}")))?;
    let code = devices::normalise_code(&req.code);
    if code.len() < 16 {
        return Err(ServerError::BadCode);
    }
    let token = devices::secret(32);
    let token_hash = devices::hash(&token);
    let e = Enrolment {
        device_name: req.device_name.chars().take(100).collect(),
        device_code: req.device_code.chars().take(6).collect(),
        public_key: req.public_key.chars().take(128).collect(),
    };
    let storage = state.storage.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let d = blocking(move || storage.enroll(&devices::hash(&code), &e, &token_hash, now)).await?;
    tracing::info!(device = %d.id, person = %d.person, "device enrolled");
    Ok(Json(EnrollResponse {
        device_id: d.id,
        token,
        person: d.person,
        role: d.role.as_str().into(),
        seccion: d.seccion,
    }))
}

async fn sync(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<impl IntoResponse> {
    let device = authenticate(&state, &headers).await?;
    if body.len() > protocol::MAX_BODY {
        return Err(ServerError::TooLarge {
            size: body.len(),
            max: protocol::MAX_BODY,
        });
    }
    let req: SyncRequest = protocol::decode(&body).map_err(|e| ServerError::BadRequest(e.to_string()))?;
    let storage = state.storage.clone();
    let (n_in, id) = (req.docs.len(), device.id.clone());
    let resp = blocking(move || storage.sync(&device, &req)).await?;
    tracing::info!(device = %id, pushed = n_in, pulled = resp.docs.len(), rejected = resp.rejected.len(), cursor = resp.cursor, "sync");
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, protocol::CONTENT_TYPE)],
        protocol::encode(&resp),
    ))
}
