//! An S3-compatible server for the tests: moto's server mode (PyPI `moto[server]`, in the
//! virtual environment `make test`'s bootstrap makes at `~/.cache/brigada/moto`, or the
//! `moto_server` named by `BRIGADA_MOTO`), started once per test process on a free port
//! and stopped when the process ends (a watchdog shell holds its stdin, as for
//! PostgreSQL in [`crate::pg`]). Each test server gets a bucket of its own ([`bucket`]).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

struct Moto {
    endpoint: String,
    _watchdog: Mutex<std::process::Child>,
    buckets: AtomicU32,
}

static MOTO: OnceLock<Moto> = OnceLock::new();

fn moto_server() -> PathBuf {
    if let Some(p) = std::env::var_os("BRIGADA_MOTO") {
        return p.into();
    }
    let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
    let p = home.join(".cache/brigada/moto/bin/moto_server");
    assert!(
        p.exists(),
        "moto's S3 server is not installed ({}): run `make test` once (its bootstrap makes the virtual environment), or set BRIGADA_MOTO",
        p.display()
    );
    p
}

fn start() -> Moto {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let script = r#""$1" -H 127.0.0.1 -p "$2" >/dev/null 2>&1 &
pid=$!
read _ignored
kill "$pid"
wait "$pid""#;
    let child = Command::new("/bin/sh")
        .args(["-c", script, "moto-watchdog"])
        .arg(moto_server())
        .arg(port.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start moto_server");
    let endpoint = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "moto_server did not start in 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Moto {
        endpoint,
        _watchdog: Mutex::new(child),
        buckets: AtomicU32::new(0),
    }
}

/// The settings an instance needs beyond the bucket's address (what an operator puts in
/// the `AWS_*` environment).
pub fn settings() -> Vec<(String, String)> {
    let moto = MOTO.get_or_init(start);
    [
        ("aws_endpoint", moto.endpoint.as_str()),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "brigada"),
        ("aws_secret_access_key", "brigada-tests"),
        ("aws_region", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// The same settings as `AWS_*` environment variables, for a server in another process.
pub fn environment() -> Vec<(String, String)> {
    settings().into_iter().map(|(k, v)| (k.to_uppercase(), v)).collect()
}

/// A new empty bucket on the tests' S3 server: its `s3://BUCKET/PREFIX` address.
pub fn bucket() -> String {
    let moto = MOTO.get_or_init(start);
    let n = moto.buckets.fetch_add(1, Ordering::SeqCst);
    let name = format!("brigada-{}-{n}", std::process::id());
    let status = reqwest::blocking::Client::new()
        .put(format!("{}/{name}", moto.endpoint))
        .send()
        .expect("create a bucket")
        .status();
    assert!(status.is_success(), "creating bucket {name}: {status}");
    format!("s3://{name}/brigada")
}

/// The `<Key>`s of what `GET /BUCKET?query` lists in the bucket of `url` (`s3://BUCKET/…`).
fn listed(url: &str, query: &str) -> Vec<String> {
    let moto = MOTO.get_or_init(start);
    let bucket = url.trim_start_matches("s3://").split('/').next().unwrap_or_default();
    let body = reqwest::blocking::Client::new()
        .get(format!("{}/{bucket}?{query}", moto.endpoint))
        .send()
        .and_then(|r| r.text())
        .expect("list the bucket");
    body.split("<Key>")
        .skip(1)
        .filter_map(|k| k.split("</Key>").next().map(str::to_owned))
        .collect()
}

/// The keys under `prefix` in the bucket of `url` (`s3://BUCKET/…`), as the S3 API lists
/// them.
pub fn keys(url: &str, prefix: &str) -> Vec<String> {
    // The prefixes the tests list are letters, digits and slashes: no escaping needed.
    listed(url, &format!("prefix={prefix}"))
}

/// The keys of multipart uploads begun in the bucket of `url` and neither completed nor
/// aborted, as the S3 API lists them.
pub fn unfinished_uploads(url: &str) -> Vec<String> {
    listed(url, "uploads")
}

/// Begin a multipart upload of `key` in the bucket of `url` and leave it unfinished.
pub fn begin_upload(url: &str, key: &str) {
    let moto = MOTO.get_or_init(start);
    let bucket = url.trim_start_matches("s3://").split('/').next().unwrap_or_default();
    let status = reqwest::blocking::Client::new()
        .post(format!("{}/{bucket}/{key}?uploads", moto.endpoint))
        .send()
        .expect("begin a multipart upload")
        .status();
    assert!(status.is_success(), "beginning an upload of {key}: {status}");
}
