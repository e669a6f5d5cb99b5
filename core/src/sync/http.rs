//! The HTTP transport (reqwest, rustls) and enrolment.
//!
//! A device reads no more from a server than the protocol allows (a sync answer, a key
//! list, an error, a photo): a broken or hostile server, or a stranger in the middle of
//! plain HTTP, cannot fill a tablet's memory or disk by answering without end.

use brigada_record::messages::Arg;
use brigada_record::msg;
use std::time::Duration;

use super::Transport;
use super::protocol::{self, EnrollRequest, EnrollResponse, ErrorBody};
use crate::error::{Error, Result};

pub struct HttpTransport {
    client: reqwest::blocking::Client,
    url: String,
    token: String,
}

/// The HTTP client. With `ca` (PEM), only that certificate authority is trusted: an
/// office server with its own certificate, pinned at enrolment.
fn client(ca: Option<&str>) -> Result<reqwest::blocking::Client> {
    let mut b = builder();
    if let Some(pem) = ca {
        let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
            .map_err(|e| Error::InvalidInput(msg!("tls.not_pem", detail = e.to_string())))?;
        if certs.is_empty() {
            return Err(Error::InvalidInput(msg!("tls.no_certificate")));
        }
        b = b.tls_certs_only(certs);
    }
    build(b)
}

/// Every client's timeouts: connecting, and a whole request.
fn builder() -> reqwest::blocking::ClientBuilder {
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
}

fn build(b: reqwest::blocking::ClientBuilder) -> Result<reqwest::blocking::Client> {
    b.build()
        .map_err(|e| Error::InvalidInput(msg!("http.client", detail = e.to_string())))
}

/// Largest sync answer: one batch, which may hold one document as big as a request.
const MAX_SYNC_ANSWER: usize = protocol::MAX_BODY + 1024 * 1024;
/// Largest JSON answer (the key list of every device ever enrolled is the biggest).
const MAX_JSON_ANSWER: usize = 16 * 1024 * 1024;
/// Largest error body read (it is one sentence).
const MAX_ERROR_ANSWER: usize = 64 * 1024;

/// The answer's body, refused once it passes `max` bytes (before reading it all when the
/// server declares its length).
fn read_answer(url: &str, resp: reqwest::blocking::Response, max: usize) -> Result<(reqwest::StatusCode, Vec<u8>)> {
    use std::io::Read;
    let status = resp.status();
    let max = if status.is_success() { max } else { MAX_ERROR_ANSWER };
    let too_big = || Error::Server {
        status: status.as_u16(),
        code: "answer_too_large".into(),
        message: msg!("sync.answer_too_large", url = url, max = max).into(),
    };
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    resp.take(max as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Error::Network {
            url: url.to_owned(),
            why: msg!("network.other", detail = e.to_string()),
        })?;
    if body.len() > max {
        return Err(too_big());
    }
    Ok((status, body))
}

fn network(url: &str, e: reqwest::Error) -> Error {
    // The root cause says "invalid peer certificate" and the like; keep it.
    let mut cause = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        cause = s.to_string();
        src = s.source();
    }
    let why = if e.is_timeout() {
        msg!("network.timeout")
    } else if e.is_connect() && cause.to_lowercase().contains("certificate") {
        msg!("network.untrusted", detail = cause)
    } else if e.is_connect() {
        msg!("network.no_connection", detail = cause)
    } else {
        msg!("network.other", detail = e.to_string())
    };
    Error::Network {
        url: url.to_owned(),
        why,
    }
}

/// Turn a non-success HTTP answer into a typed error, reading the server's `{code, message}`.
fn refusal(status: reqwest::StatusCode, body: &[u8]) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    // The server's sentence in this device's language when it sent one as a message.
    let message: Arg = match &parsed {
        Some(ErrorBody { said: Some(m), .. }) => m.clone().into(),
        Some(b) => b.message.clone().into(),
        None => String::from_utf8_lossy(body)
            .chars()
            .take(300)
            .collect::<String>()
            .into(),
    };
    match status.as_u16() {
        401 => Error::Unauthorized(message),
        403 => Error::Forbidden(message),
        s => Error::Server {
            status: s,
            code: parsed.map(|b| b.code).unwrap_or_default(),
            message,
        },
    }
}

impl HttpTransport {
    pub fn new(url: &str, token: &str, ca: Option<&str>) -> Result<Self> {
        Ok(HttpTransport {
            client: client(ca)?,
            url: url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
    }

    /// Another device's transport over the same client and its connections: a load
    /// generator plays thousands of devices without building a client for each.
    pub fn with_token(&self, url: &str, token: &str) -> Self {
        HttpTransport {
            client: self.client.clone(),
            url: url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        }
    }
}

impl HttpTransport {
    fn json<T: serde::de::DeserializeOwned>(&self, req: reqwest::blocking::RequestBuilder, what: &str) -> Result<T> {
        let resp = req.bearer_auth(&self.token).send().map_err(|e| network(&self.url, e))?;
        let (status, body) = read_answer(&self.url, resp, MAX_JSON_ANSWER)?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| Error::Server {
            status: status.as_u16(),
            code: "bad_response".into(),
            message: msg!("sync.bad_answer", what = what, detail = e.to_string()).into(),
        })
    }

    /// Whether the server answers now (its health check, within a few seconds). Cheap
    /// enough to ask every few seconds: how the app notices the network came back.
    pub fn reachable(&self) -> bool {
        self.client
            .get(format!("{}/healthz", self.url))
            .timeout(Duration::from_secs(3))
            .send()
            .is_ok_and(|r| r.status().is_success())
    }

    /// Every enrolled device's signing key, with enrolment and revocation times.
    pub fn device_keys(&self) -> Result<Vec<protocol::DeviceKey>> {
        self.json(self.client.get(format!("{}/v1/keys", self.url)), "keys")
    }

    /// Every enrolled device and when it last synced (office devices only).
    pub fn devices_seen(&self) -> Result<Vec<protocol::DeviceSeen>> {
        self.json(self.client.get(format!("{}/v1/devices", self.url)), "devices")
    }

    /// A page of the server's witness list of seals, after position `after`.
    pub fn seals(&self, after: i64) -> Result<protocol::SealsPage> {
        self.json(self.client.get(format!("{}/v1/seals?after={after}", self.url)), "seals")
    }

    /// Reserve `count` asset-tag numbers for this (office) device.
    pub fn allocate_tags(&self, count: u32) -> Result<protocol::TagRange> {
        let req = protocol::TagRequest { count };
        self.json(self.client.post(format!("{}/v1/tags", self.url)).json(&req), "tags")
    }

    /// Hand back the tag ranges this (office) device holds, after the server was restored.
    pub fn tags_held(&self, ranges: Vec<protocol::TagRange>) -> Result<protocol::TagsKept> {
        let req = protocol::TagsHeld { ranges };
        self.json(
            self.client.post(format!("{}/v1/tags/held", self.url)).json(&req),
            "tags",
        )
    }
}

impl Transport for HttpTransport {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>> {
        let url = format!("{}/v1/sync", self.url);
        let resp = self
            .client
            .post(&url)
            .bearer_auth(&self.token)
            .header(reqwest::header::CONTENT_TYPE, protocol::CONTENT_TYPE)
            .body(request.to_vec())
            .send()
            .map_err(|e| network(&self.url, e))?;
        let (status, body) = read_answer(&self.url, resp, MAX_SYNC_ANSWER)?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
        Ok(body)
    }
}

/// The server's own CA certificate (PEM), fetched at enrolment over a connection not yet
/// trusted and accepted only when its SHA-256 is the one the enrolment QR carries.
pub fn fetch_pinned_ca(url: &str, fingerprint: &str) -> Result<String> {
    let base = url.trim_end_matches('/');
    if !base.starts_with("https://") {
        return Err(Error::InvalidInput(msg!("enrol.pin_needs_https", url = url)));
    }
    // Not verified here: what it sends is checked against the fingerprint below.
    let client = build(
        builder()
            .timeout(Duration::from_secs(30))
            .tls_danger_accept_invalid_certs(true),
    )?;
    let resp = client
        .get(format!("{base}/v1/ca"))
        .send()
        .map_err(|e| network(base, e))?;
    let (status, body) = read_answer(base, resp, MAX_ERROR_ANSWER)?;
    if !status.is_success() {
        return Err(refusal(status, &body));
    }
    let pem = String::from_utf8_lossy(&body).into_owned();
    check_pin(base, &pem, fingerprint)?;
    Ok(pem)
}

/// The CA `pem` is the one the enrolment QR names, or the server is not the office's.
pub fn check_pin(url: &str, pem: &str, fingerprint: &str) -> Result<()> {
    match protocol::certificate_fingerprint(pem) {
        Some(fp) if fp.eq_ignore_ascii_case(fingerprint) => Ok(()),
        _ => Err(Error::Network {
            url: url.to_owned(),
            why: msg!("network.not_the_server"),
        }),
    }
}

/// Trade a one-time enrolment code for a device token.
pub fn enroll(url: &str, req: &EnrollRequest, ca: Option<&str>) -> Result<EnrollResponse> {
    let base = url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::InvalidInput(msg!("enrol.bad_url", url = url)));
    }
    let resp = client(ca)?
        .post(format!("{base}/v1/enroll"))
        .json(req)
        .send()
        .map_err(|e| network(base, e))?;
    let (status, body) = read_answer(base, resp, MAX_JSON_ANSWER)?;
    if !status.is_success() {
        return Err(refusal(status, &body));
    }
    serde_json::from_slice(&body).map_err(|e| Error::Server {
        status: status.as_u16(),
        code: "bad_response".into(),
        message: msg!("sync.bad_answer", what = "enroll", detail = e.to_string()).into(),
    })
}

impl super::blobs::BlobTransport for HttpTransport {
    fn blob_status(&mut self, hash: &str) -> Result<super::blobs::RemoteBlob> {
        let resp = self
            .client
            .head(format!("{}/v1/blobs/{hash}", self.url))
            .bearer_auth(&self.token)
            .send()
            .map_err(|e| network(&self.url, e))?;
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
        };
        match resp.status().as_u16() {
            200 => Ok(super::blobs::RemoteBlob::Complete),
            404 => Ok(super::blobs::RemoteBlob::Partial(header("upload-offset").unwrap_or(0))),
            _ => Err(refusal(resp.status(), &[])),
        }
    }

    fn blob_upload(&mut self, hash: &str, offset: u64, total: u64, chunk: &[u8]) -> Result<bool> {
        let resp = self
            .client
            .patch(format!("{}/v1/blobs/{hash}", self.url))
            .bearer_auth(&self.token)
            .header("upload-offset", offset.to_string())
            .header("upload-length", total.to_string())
            .body(chunk.to_vec())
            .send()
            .map_err(|e| network(&self.url, e))?;
        let status = resp.status();
        match status.as_u16() {
            201 => Ok(true),
            204 => Ok(false),
            _ => {
                let (status, body) = read_answer(&self.url, resp, MAX_ERROR_ANSWER)?;
                Err(refusal(status, &body))
            }
        }
    }

    fn blob_download(&mut self, hash: &str, from: u64, sink: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<bool> {
        use std::io::Read;
        let mut req = self
            .client
            .get(format!("{}/v1/blobs/{hash}", self.url))
            .bearer_auth(&self.token);
        if from > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        let mut resp = req.send().map_err(|e| network(&self.url, e))?;
        let status = resp.status();
        if status.as_u16() == 404 {
            return Ok(false);
        }
        if !status.is_success() {
            let (status, body) = read_answer(&self.url, resp, MAX_ERROR_ANSWER)?;
            return Err(refusal(status, &body));
        }
        // No photo is bigger than the protocol's limit: a server sending more is cut off.
        let mut received = from;
        let mut buf = vec![0u8; super::blobs::CHUNK];
        loop {
            let mut filled = 0;
            while filled < buf.len() {
                let n = resp.read(&mut buf[filled..]).map_err(|e| Error::Network {
                    url: self.url.clone(),
                    why: msg!("network.other", detail = e.to_string()),
                })?;
                if n == 0 {
                    break;
                }
                filled += n;
            }
            if filled == 0 {
                return Ok(true);
            }
            received += filled as u64;
            if received > protocol::MAX_BLOB {
                return Err(Error::Server {
                    status: status.as_u16(),
                    code: "answer_too_large".into(),
                    message: msg!("sync.answer_too_large", url = &self.url, max = protocol::MAX_BLOB).into(),
                });
            }
            sink(&buf[..filled])?;
        }
    }
}
