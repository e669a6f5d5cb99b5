//! brigada-sync: the Brigada sync server, as a library (so tests start it in-process on
//! port 0 with a temporary database) and a binary (`brigada-sync serve`).
//!
//! - [`http`]: axum routes under `/v1` (enrolment, sync) and `/healthz`;
//! - [`listen`]: the accept loop and what strangers may cost (connection caps, timeouts);
//! - [`sync`]: one sync exchange, independent of storage;
//! - [`storage`]: the [`storage::Storage`] trait, the embedded SQLite and PostgreSQL;
//! - [`backup`]: one file with a consistent copy of the server, and its restore;
//! - [`devices`]: roles, enrolment codes and tokens (stored hashed);
//! - [`private`]: files and folders only the server's user reads;
//! - [`rules`]: what a device may write (proven authors, signatures, the técnico's reach);
//! - [`tls`]: the server's own CA and certificate (HTTPS by default beyond loopback).

pub mod backup;
pub mod devices;
pub mod enrol_qr;
pub mod error;
pub mod http;
pub mod listen;
pub mod private;
pub mod rules;
pub mod storage;
pub mod sync;
pub mod tls;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use devices::Role;
use storage::Storage;
use storage::sqlite::SqliteStorage;

/// Enrolment codes expire after a week.
pub const CODE_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;

/// The server's records: the embedded SQLite in `data` (the default, one instance), or the
/// PostgreSQL `database` that several instances share.
pub fn open_storage(data: &Path, database: Option<&str>) -> error::Result<Arc<dyn Storage>> {
    Ok(match database {
        Some(url) => Arc::new(storage::postgres::PgStorage::open(url)?),
        None => {
            let s = SqliteStorage::open(data)?;
            if let Some(at) = s.moved_at()? {
                let when = chrono::DateTime::from_timestamp_millis(at)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                return Err(error::ServerError::Storage(format!(
                    "this deployment moved to PostgreSQL on {when} (brigada-sync migrate): serve it with --database; the embedded database is kept as it was then"
                )));
            }
            Arc::new(s)
        }
    })
}

/// Where the server keeps photos and signatures: files under `data/blobs` (the default), or
/// the S3-compatible bucket `url` (`s3://BUCKET/PREFIX`, configured from the `AWS_*`
/// environment, then `settings`) that several instances share.
pub fn open_blobs(
    data: &Path,
    url: Option<&str>,
    settings: &[(String, String)],
) -> error::Result<Arc<dyn storage::blobs::Blobs>> {
    Ok(match url {
        Some(url) => Arc::new(storage::s3::S3Blobs::open(url, settings)?),
        None => Arc::new(storage::blobs::BlobStore::open(data)?),
    })
}

/// Create a device and its one-time enrolment code.
pub fn add_device(
    storage: &dyn Storage,
    person: &str,
    role: Role,
    seccion: &str,
) -> error::Result<(devices::Device, String)> {
    if person.trim().is_empty() {
        return Err(error::ServerError::BadRequest(brigada_record::msg!(
            "server.person_empty"
        )));
    }
    let code = devices::enrolment_code();
    let expires = chrono::Utc::now().timestamp_millis() + CODE_LIFETIME_MS;
    let d = storage.add_device(
        person.trim(),
        role,
        seccion.trim(),
        &devices::hash(&devices::normalise_code(&code)),
        expires,
    )?;
    Ok((d, code))
}

/// A server running in this process, for tests and demos: stops when dropped.
pub struct Running {
    pub addr: SocketAddr,
    pub https: bool,
    pub storage: Arc<dyn Storage>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// The server's address, `http://` or `https://` as it serves.
    pub fn url(&self) -> String {
        format!("{}://{}", if self.https { "https" } else { "http" }, self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // A server that panicked on its way out (a part that cannot be dropped in its
        // runtime, say) fails the test that started it.
        if let Some(t) = self.thread.take()
            && t.join().is_err()
            && !std::thread::panicking()
        {
            panic!("the server's thread panicked while it stopped");
        }
    }
}

/// TLS certificate and key, PEM.
#[derive(Clone)]
pub struct Tls {
    /// The certificate chain (the server's certificate first).
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// The server's own CA (PEM) when it made one ([`tls`]): served at `/v1/ca` for
    /// devices that pin its fingerprint.
    pub own_ca: Option<String>,
}

impl Tls {
    /// The rustls configuration for this certificate chain and key (HTTP/1.1 only).
    pub fn config(&self) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(&self.cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| anyhow::anyhow!("the TLS certificate is not usable PEM: {e}"))?;
        if certs.is_empty() {
            anyhow::bail!("the TLS certificate file holds no certificate");
        }
        let key = PrivateKeyDer::from_pem_slice(&self.key_pem)
            .map_err(|e| anyhow::anyhow!("the TLS key is not a usable PEM private key: {e}"))?;
        let config = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| anyhow::anyhow!("the TLS certificate and key do not go together: {e}"))?;
        Ok(Arc::new(config))
    }
}

/// How a server is started: TLS or not, and what strangers may cost it.
#[derive(Clone, Default)]
pub struct Options {
    pub tls: Option<Tls>,
    pub limits: listen::Limits,
    /// A PostgreSQL database instead of the embedded one ([`open_storage`]).
    pub database: Option<String>,
    /// An S3-compatible bucket for photos instead of the data folder ([`open_blobs`]), and
    /// settings beyond the `AWS_*` environment.
    pub blobs: Option<String>,
    pub blob_settings: Vec<(String, String)>,
}

/// Start a server on `listen` (port 0 for any) over `data`, on its own runtime thread.
pub fn spawn(listen: &str, data: &Path) -> anyhow::Result<Running> {
    spawn_with(listen, data, Options::default())
}

/// Like [`spawn`], with TLS and limits of its own.
pub fn spawn_with(listen: &str, data: &Path, options: Options) -> anyhow::Result<Running> {
    let storage = open_storage(data, options.database.as_deref())?;
    let std_listener = std::net::TcpListener::bind(listen)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let blobs = open_blobs(data, options.blobs.as_deref(), &options.blob_settings)?;
    let state = http::AppState::open(storage.clone(), blobs, data, options.limits, options.tls.as_ref())?;
    let https = options.tls.is_some();
    let tls = options.tls.as_ref().map(Tls::config).transpose()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let thread = std::thread::spawn(move || {
        rt.block_on(async move {
            if let Err(e) = serve_on(std_listener, state, tls, async {
                let _ = rx.await;
            })
            .await
            {
                tracing::error!("server stopped: {e:#}");
            }
        });
    });
    Ok(Running {
        addr,
        https,
        storage,
        shutdown: Some(tx),
        thread: Some(thread),
    })
}

/// Serve the router on a bound listener until `shutdown` resolves; HTTPS when `tls` is
/// given (rustls), plain HTTP otherwise.
pub async fn serve_on(
    listener: std::net::TcpListener,
    state: http::AppState,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let limits = state.limits.clone();
    let app = http::router(state);
    let listener = tokio::net::TcpListener::from_std(listener)?;
    listen::serve(listener, app, tls, limits, shutdown).await?;
    Ok(())
}
