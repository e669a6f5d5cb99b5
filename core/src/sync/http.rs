//! The HTTP transport (reqwest, rustls) and enrolment.

use std::time::Duration;

use super::Transport;
use super::protocol::{self, EnrollRequest, EnrollResponse, ErrorBody};
use crate::error::{Error, Result};

pub struct HttpTransport {
    client: reqwest::blocking::Client,
    url: String,
    token: String,
}

fn client() -> Result<reqwest::blocking::Client> {
    reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .build()
        .map_err(|e| Error::InvalidInput(format!("cannot start the HTTP client: {e}")))
}

fn network(url: &str, e: reqwest::Error) -> Error {
    let why = if e.is_timeout() {
        "the server did not answer in time".to_owned()
    } else if e.is_connect() {
        "no connection".to_owned()
    } else {
        e.to_string()
    };
    Error::Network {
        url: url.to_owned(),
        why,
    }
}

/// Turn a non-success HTTP answer into a typed error, reading the server's `{code, message}`.
fn refusal(status: reqwest::StatusCode, body: &[u8]) -> Error {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let message = parsed
        .as_ref()
        .map(|b| b.message.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(300).collect());
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
    pub fn new(url: &str, token: &str) -> Result<Self> {
        Ok(HttpTransport {
            client: client()?,
            url: url.trim_end_matches('/').to_owned(),
            token: token.to_owned(),
        })
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
        let status = resp.status();
        let body = resp.bytes().map_err(|e| network(&self.url, e))?;
        if !status.is_success() {
            return Err(refusal(status, &body));
        }
        Ok(body.to_vec())
    }
}

/// Trade a one-time enrolment code for a device token.
pub fn enroll(url: &str, req: &EnrollRequest) -> Result<EnrollResponse> {
    let base = url.trim_end_matches('/');
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(Error::InvalidInput(format!(
            "{url:?} is not a server address: write it like https://dti.example:8787"
        )));
    }
    let resp = client()?
        .post(format!("{base}/v1/enroll"))
        .json(req)
        .send()
        .map_err(|e| network(base, e))?;
    let status = resp.status();
    let body = resp.bytes().map_err(|e| network(base, e))?;
    if !status.is_success() {
        return Err(refusal(status, &body));
    }
    serde_json::from_slice(&body).map_err(|e| Error::Server {
        status: status.as_u16(),
        code: "bad_response".into(),
        message: format!("the enrolment answer is not understood: {e}"),
    })
}
