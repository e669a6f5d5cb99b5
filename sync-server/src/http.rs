//! The HTTP surface, versioned under `/v1`. Thin handlers: authenticate, bound the body,
//! decode, call storage on a blocking thread, encode.
//!
//! A stranger must cost little: the token is checked from the headers alone, before any
//! of the body is read (a refused request's body is never read), every body is read
//! against its route's own limit and a timeout between pieces, and enrolment (the one
//! route open to strangers) takes a small body and few failed attempts per address.

use brigada_record::msg;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json};
use brigada_record::protocol::{
    self, DeviceKey, DeviceSeen, EnrollRequest, EnrollResponse, MAX_HELD_RANGES, MAX_SEALS_PAGE, MAX_TAGS_PER_REQUEST,
    SealsPage, SyncRequest, TagRange, TagRequest, TagsHeld, TagsKept,
};

use crate::devices::{self, Device};
use crate::error::{Result, ServerError};
use crate::listen::{Attempts, Limits};
use crate::storage::blobs::{self, Append, Blobs};
use crate::storage::{Enrolment, Storage};

#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub blobs: Arc<dyn Blobs>,
    pub limits: Limits,
    pub enrolments: Arc<Attempts>,
    /// The server's own CA certificate (PEM), when it serves HTTPS with one.
    pub own_ca: Option<Arc<str>>,
    /// The data folder, where enrolment QRs asked for are deleted once used.
    pub data: std::path::PathBuf,
}

impl AppState {
    /// The state of a server over `storage` and `blobs`, with `data` its folder and `tls`
    /// when it serves HTTPS (its own CA, if it made one, is served at `/v1/ca`).
    pub fn open(
        storage: Arc<dyn Storage>,
        blobs: Arc<dyn Blobs>,
        data: &std::path::Path,
        limits: Limits,
        tls: Option<&crate::Tls>,
    ) -> Result<Self> {
        Ok(AppState {
            storage,
            blobs,
            enrolments: Arc::new(Attempts::new(limits.enrol_attempts, limits.enrol_window)),
            limits,
            own_ca: tls.and_then(|t| t.own_ca.as_deref()).map(Arc::from),
            data: data.to_owned(),
        })
    }
}

/// Largest enrolment request: a code, a name, a key and a signature.
pub const MAX_ENROL_BODY: usize = 4 * 1024;
/// Largest tag request.
const MAX_TAG_BODY: usize = 1024;
/// A hand-back of up to `MAX_HELD_RANGES` ranges.
const MAX_HELD_BODY: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    // Routes for enrolled devices: the token is checked before the handler (and its body).
    let devices = Router::new()
        .route("/v1/sync", post(sync))
        .route("/v1/keys", get(keys))
        .route("/v1/seals", get(seals))
        .route("/v1/devices", get(devices_seen))
        .route("/v1/tags", post(tags))
        .route("/v1/tags/held", post(tags_held))
        .route("/v1/blobs/{hash}", get(blob_get).head(blob_head).patch(blob_patch))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_device));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/enroll", post(enroll))
        .route("/v1/ca", get(own_ca))
        .merge(devices)
        // Each handler reads its body itself, against its own limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(state)
}

/// The server's own CA certificate, public: a device checks it against the fingerprint
/// in its enrolment QR before trusting it.
async fn own_ca(State(state): State<AppState>) -> Result<Response> {
    match &state.own_ca {
        Some(pem) => Ok(([(header::CONTENT_TYPE, "application/x-pem-file")], pem.to_string()).into_response()),
        None => Err(ServerError::NotFound(msg!("server.no_own_ca"))),
    }
}

/// The device behind the request's token, checked from the headers alone.
async fn require_device(State(state): State<AppState>, mut req: Request, next: Next) -> Result<Response> {
    let device = authenticate(&state, req.headers()).await?;
    req.extensions_mut().insert(device);
    Ok(next.run(req).await)
}

/// Read a request body of at most `max` bytes, each piece within the body timeout: a
/// declared length over the limit is refused before a byte is read.
async fn read_body(state: &AppState, headers: &HeaderMap, body: Body, max: usize) -> Result<Bytes> {
    use http_body_util::BodyExt;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(size) = declared.filter(|n| *n > max) {
        return Err(ServerError::TooLarge { size, max });
    }
    let mut body = body;
    let mut out = Vec::with_capacity(declared.unwrap_or(0));
    loop {
        let frame = tokio::time::timeout(state.limits.body_idle_timeout, body.frame())
            .await
            .map_err(|_| ServerError::SlowBody)?;
        match frame {
            None => break,
            Some(Err(_)) => return Err(ServerError::BadRequest(msg!("server.body_broken"))),
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    if out.len() + data.len() > max {
                        return Err(ServerError::TooLarge {
                            size: out.len() + data.len(),
                            max,
                        });
                    }
                    out.extend_from_slice(&data);
                }
            }
        }
    }
    Ok(out.into())
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

async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<EnrollResponse>> {
    // Codes are guessed by failing: an address that failed too often waits, whatever it sends.
    if let Err(seconds) = state.enrolments.check(peer) {
        tracing::warn!(peer = %peer, "enrolment refused: too many failed attempts");
        return Err(ServerError::TooMany { seconds });
    }
    let result = enroll_with(&state, headers, body).await;
    if result.is_err() {
        state.enrolments.failed(peer);
    }
    result
}

async fn enroll_with(state: &AppState, headers: HeaderMap, body: Body) -> Result<Json<EnrollResponse>> {
    let body = read_body(state, &headers, body, MAX_ENROL_BODY).await?;
    let req: EnrollRequest = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(msg!("server.enrol_json", detail = e.to_string())))?;
    let code = devices::normalise_code(&req.code);
    if code.len() < 16 {
        return Err(ServerError::BadCode);
    }
    // A valid key, and the proof that the device holds its private half.
    let public_key = req.proven_key().map_err(ServerError::BadRequest)?;
    let actor = req.actor().map_err(ServerError::BadRequest)?;
    let token = devices::secret(32);
    let token_hash = devices::hash(&token);
    let e = Enrolment {
        device_name: req.device_name.chars().take(100).collect(),
        device_code: req.device_code.chars().take(6).collect(),
        public_key,
        actor,
    };
    let storage = state.storage.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let d = blocking(move || storage.enroll(&devices::hash(&code), &e, &token_hash, now)).await?;
    tracing::info!(device = %d.id, person = %d.person, "device enrolled");
    crate::enrol_qr::remove(&state.data, &d.id);
    Ok(Json(EnrollResponse {
        device_id: d.id,
        token,
        person: d.person,
        role: d.role.as_str().into(),
        seccion: d.seccion,
    }))
}

#[derive(serde::Deserialize)]
struct SealsQuery {
    #[serde(default)]
    after: i64,
}

/// When the server first received each signature's seal, a page at a time: devices keep
/// this to tell a seal made before its key's revocation from one only claimed to be. The
/// list names no expediente.
async fn seals(
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<SealsQuery>,
) -> Result<Json<SealsPage>> {
    let storage = state.storage.clone();
    let mut seals = blocking(move || storage.seals(q.after, MAX_SEALS_PAGE + 1)).await?;
    let more = seals.len() > MAX_SEALS_PAGE;
    seals.truncate(MAX_SEALS_PAGE);
    Ok(Json(SealsPage { seals, more }))
}

/// The signing keys of every device ever enrolled, with when they were enrolled and
/// revoked: devices keep this list to verify signatures offline.
async fn keys(State(state): State<AppState>) -> Result<Json<Vec<DeviceKey>>> {
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
                    actor: d.actor,
                })
            })
            .collect(),
    ))
}

/// The enrolled devices and when each last synced, for office devices (the Panel shows
/// the tablets that have not synced lately). A técnico's tablet is refused.
async fn devices_seen(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
) -> Result<Json<Vec<DeviceSeen>>> {
    if device.role == devices::Role::Tecnico {
        return Err(ServerError::Forbidden(msg!("server.devices_office_only")));
    }
    let storage = state.storage.clone();
    let devices = blocking(move || storage.devices()).await?;
    Ok(Json(
        devices
            .into_iter()
            .filter_map(|d| {
                Some(DeviceSeen {
                    enrolled_at: d.enrolled_at?,
                    device_id: d.id,
                    person: d.person,
                    role: d.role.as_str().into(),
                    seccion: d.seccion,
                    device_name: d.device_name.unwrap_or_default(),
                    device_code: d.device_code.unwrap_or_default(),
                    revoked_at: d.revoked_at,
                    last_sync_at: d.last_sync_at,
                })
            })
            .collect(),
    ))
}

/// Reserve a block of asset-tag numbers for an office device (they print the labels).
async fn tags(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<TagRange>> {
    if device.role == devices::Role::Tecnico {
        return Err(ServerError::Forbidden(msg!("server.tags_office_only")));
    }
    let body = read_body(&state, &headers, body, MAX_TAG_BODY).await?;
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

/// An office device hands back the tag ranges it holds, after the server was restored.
async fn tags_held(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<TagsKept>> {
    if device.role == devices::Role::Tecnico {
        return Err(ServerError::Forbidden(msg!("server.tags_office_only")));
    }
    let body = read_body(&state, &headers, body, MAX_HELD_BODY).await?;
    let req: TagsHeld = serde_json::from_slice(&body)
        .map_err(|e| ServerError::BadRequest(msg!("server.tag_json", detail = e.to_string())))?;
    if req.ranges.len() > MAX_HELD_RANGES {
        return Err(ServerError::BadRequest(msg!(
            "server.tags_held_too_many",
            max = MAX_HELD_RANGES
        )));
    }
    // Each range as the server hands them out: in order, within the tag space, no bigger
    // than one request could have been.
    if let Some(bad) = req.ranges.iter().find(|r| {
        r.first == 0
            || r.first > r.last
            || r.last > brigada_record::tag::MAX_NUMBER
            || r.last - r.first >= MAX_TAGS_PER_REQUEST
    }) {
        return Err(ServerError::BadRequest(msg!(
            "server.tags_held_bad",
            first = bad.first,
            last = bad.last
        )));
    }
    let storage = state.storage.clone();
    let now = chrono::Utc::now().timestamp_millis();
    let id = device.id.clone();
    let kept = blocking(move || storage.keep_tag_ranges(&device, &req.ranges, now)).await?;
    tracing::info!(device = %id, kept = kept.kept, known = kept.known, clashing = kept.clashing, "tag ranges handed back");
    Ok(Json(kept))
}

async fn sync(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    headers: HeaderMap,
    body: Body,
) -> Result<impl IntoResponse> {
    let body = read_body(&state, &headers, body, protocol::MAX_BODY).await?;
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

/// Check the hash's form, and that the device may see a document that references the blob.
async fn blob_access(state: &AppState, device: Device, hash: &str) -> Result<Device> {
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

async fn blob_head(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(hash): Path<String>,
) -> Result<Response> {
    let device = blob_access(&state, device, &hash).await?;
    let store = state.blobs.clone();
    let (size, have) = blocking(move || {
        Ok(match store.size(&hash)? {
            Some(n) => (Some(n), 0),
            None => (None, store.partial_len(&device.id, &hash)?),
        })
    })
    .await?;
    Ok(match size {
        Some(n) => (StatusCode::OK, [("blob-length", n.to_string())]).into_response(),
        None => (StatusCode::NOT_FOUND, [("upload-offset", have.to_string())]).into_response(),
    })
}

async fn blob_patch(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let device = blob_access(&state, device, &hash).await?;
    let body = read_body(&state, &headers, body, blobs::MAX_CHUNK).await?;
    let offset = header_u64(&headers, "upload-offset")?;
    let total = header_u64(&headers, "upload-length")?;
    let store = state.blobs.clone();
    let result = blocking(move || store.append(&device.id, &hash, offset, total, &body)).await?;
    Ok(match result {
        Append::Complete => StatusCode::CREATED.into_response(),
        Append::Partial(n) => (StatusCode::NO_CONTENT, [("upload-offset", n.to_string())]).into_response(),
    })
}

async fn blob_get(
    State(state): State<AppState>,
    Extension(device): Extension<Device>,
    Path(hash): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    blob_access(&state, device, &hash).await?;
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
