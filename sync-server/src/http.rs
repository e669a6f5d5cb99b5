//! The HTTP surface, versioned under `/v1`. Thin handlers: authenticate, bound the body,
//! decode, call storage on a blocking thread, encode.

use brigada_record::msg;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{get, post};
use brigada_record::protocol::{
    self, DeviceKey, EnrollRequest, EnrollResponse, MAX_TAGS_PER_REQUEST, SyncRequest, TagRange, TagRequest,
};

use crate::devices::{self, Device};
use crate::error::{Result, ServerError};
use crate::storage::blobs::{self, Append, BlobStore};
use crate::storage::{Enrolment, Storage};

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub blobs: Arc<BlobStore>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/sync", post(sync))
        .route("/v1/keys", get(keys))
        .route("/v1/tags", post(tags))
        .route("/v1/blobs/{hash}", get(blob_get).head(blob_head).patch(blob_patch))
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
        .map_err(|e| ServerError::BadRequest(msg!("server.enrol_json", detail = e.to_string())))?;
    let code = devices::normalise_code(&req.code);
    if code.len() < 16 {
        return Err(ServerError::BadCode);
    }
    // A valid key, and the proof that the device holds its private half.
    let public_key = req.proven_key().map_err(ServerError::BadRequest)?;
    let token = devices::secret(32);
    let token_hash = devices::hash(&token);
    let e = Enrolment {
        device_name: req.device_name.chars().take(100).collect(),
        device_code: req.device_code.chars().take(6).collect(),
        public_key,
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

/// The signing keys of every device ever enrolled, with when they were enrolled and
/// revoked: devices keep this list to verify signatures offline.
async fn keys(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<DeviceKey>>> {
    authenticate(&state, &headers).await?;
    let storage = state.storage.clone();
    let devices = blocking(move || storage.devices()).await?;
    Ok(Json(
        devices
            .into_iter()
            .filter_map(|d| {
                Some(DeviceKey {
                    public_key: d.public_key.filter(|k| !k.is_empty())?,
                    enrolled_at: d.enrolled_at?,
                    device_id: d.id,
                    person: d.person,
                    role: d.role.as_str().into(),
                    device_name: d.device_name.unwrap_or_default(),
                    revoked_at: d.revoked_at,
                })
            })
            .collect(),
    ))
}

/// Reserve a block of asset-tag numbers for an office device (they print the labels).
async fn tags(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Json<TagRange>> {
    let device = authenticate(&state, &headers).await?;
    if device.role == devices::Role::Tecnico {
        return Err(ServerError::Forbidden(msg!("server.tags_office_only")));
    }
    let req: TagRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(msg!("server.tag_json", detail = e.to_string())))?;
    if req.count == 0 || req.count > MAX_TAGS_PER_REQUEST {
        return Err(ServerError::BadRequest(msg!(
            "server.tag_count",
            max = MAX_TAGS_PER_REQUEST,
            n = req.count
        )));
    }
    let storage = state.storage.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let id = device.id.clone();
    let range = blocking(move || storage.allocate_tags(&device, req.count, now)).await?;
    tracing::info!(device = %id, first = range.first, last = range.last, "tag range allocated");
    Ok(Json(range))
}

async fn sync(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<impl IntoResponse> {
    let device = authenticate(&state, &headers).await?;
    if body.len() > protocol::MAX_BODY {
        return Err(ServerError::TooLarge {
            size: body.len(),
            max: protocol::MAX_BODY,
        });
    }
    let req: SyncRequest = protocol::decode(&body)?;
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

/// Check the token, the hash's form, and that the device may see a document that
/// references the blob.
async fn blob_access(state: &AppState, headers: &HeaderMap, hash: &str) -> Result<Device> {
    let device = authenticate(state, headers).await?;
    if !blobs::valid_hash(hash) {
        return Err(ServerError::BadRequest(msg!("server.not_sha256", hash = hash)));
    }
    let (storage, d, h) = (state.storage.clone(), device.clone(), hash.to_owned());
    if !blocking(move || storage.blob_visible(&d, &h)).await? {
        return Err(ServerError::Forbidden(msg!("server.blob_not_visible")));
    }
    Ok(device)
}

fn header_u64(headers: &HeaderMap, name: &str) -> Result<u64> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| ServerError::BadRequest(msg!("server.header_number", name = name)))
}

async fn blob_head(State(state): State<AppState>, Path(hash): Path<String>, headers: HeaderMap) -> Result<Response> {
    let device = blob_access(&state, &headers, &hash).await?;
    Ok(match state.blobs.size(&hash) {
        Some(n) => (StatusCode::OK, [("blob-length", n.to_string())]).into_response(),
        None => {
            let have = state.blobs.partial_len(&device.id, &hash);
            (StatusCode::NOT_FOUND, [("upload-offset", have.to_string())]).into_response()
        }
    })
}

async fn blob_patch(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let device = blob_access(&state, &headers, &hash).await?;
    if body.len() > blobs::MAX_CHUNK {
        return Err(ServerError::TooLarge {
            size: body.len(),
            max: blobs::MAX_CHUNK,
        });
    }
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    let store = state.blobs.clone();
    let result = blocking(move || store.append(&device.id, &hash, offset, total, &body)).await?;
    Ok(match result {
        Append::Complete => StatusCode::CREATED.into_response(),
        Append::Partial(n) => (StatusCode::NO_CONTENT, [("upload-offset", n.to_string())]).into_response(),
    })
}

async fn blob_get(State(state): State<AppState>, Path(hash): Path<String>, headers: HeaderMap) -> Result<Response> {
    blob_access(&state, &headers, &hash).await?;
    let from = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes="))
        .and_then(|v| v.strip_suffix('-'))
        .and_then(|v| v.parse::<u64>().ok());
    let store = state.blobs.clone();
    let h = hash.clone();
    let bytes = blocking(move || store.read_from(&h, from.unwrap_or(0))).await?;
    let status = if from.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    Ok((status, [(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
