//! `brigada-sync`: start the server, and manage devices.

use std::path::PathBuf;

use anyhow::{Context, Result};
use brigada_record::messages::{Locale, Message, set_locale};
use brigada_record::msg;
use brigada_sync::devices::Role;
use brigada_sync::error::ServerError;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "brigada-sync", version, about = "Brigada sync server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server: embedded SQLite database under --data, or the PostgreSQL one given
    /// by --database (several instances may share it). Beyond loopback it serves
    /// HTTPS with its own certificate authority (made in DATA/tls on first start) unless
    /// given the hospital's certificate.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        #[command(flatten)]
        at: Place,
        /// Serve HTTPS with this certificate (PEM; needs --key).
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
        /// Another name devices use to reach this server (DNS name or address), for the
        /// server's own certificate; its host name and addresses are always in it.
        #[arg(long = "name")]
        names: Vec<String>,
        /// Serve plain HTTP beyond loopback (anyone on the network can read and change
        /// what devices send). Only for a network you fully trust.
        #[arg(long, conflicts_with = "cert")]
        insecure_http: bool,
    },
    /// Devices: add (prints a one-time enrolment code and QR), list, revoke.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Copy the server (database, photos, certificate authority) into one file, while it
    /// runs.
    Backup {
        #[command(flatten)]
        at: Place,
        /// The backup file to write (0600).
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Move a deployment from its embedded database (in --from) to PostgreSQL (--to),
    /// verified (counts, every document's heads, every photo's hash); safe to run again.
    /// Stop the server first. Photos stay in the data folder: serve with the same --data.
    Migrate {
        /// The data folder whose embedded database is moved.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database (postgres://USER@HOST/DATABASE), empty or holding this
        /// deployment from an earlier run.
        #[arg(long, env = "BRIGADA_SYNC_DATABASE")]
        to: String,
        /// Also copy the photos into this S3-compatible bucket (s3://BUCKET/PREFIX;
        /// endpoint and credentials from AWS_*), each read back and hashed.
        #[arg(long)]
        blobs: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Restore a backup into an empty data folder; devices resend what they hold at their
    /// next sync.
    Restore {
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
        /// The new (empty) data folder in --data.
        #[command(flatten)]
        at: Place,
        #[arg(long)]
        json: bool,
    },
}

/// Where the server keeps its records: the data folder (photos, certificate authority,
/// enrolment QRs; and the embedded database unless --database is given).
#[derive(clap::Args)]
struct Place {
    #[arg(long, env = "BRIGADA_SYNC_DATA")]
    data: PathBuf,
    /// A PostgreSQL database shared by several instances (postgres://USER@HOST/DATABASE)
    /// instead of the embedded one in --data.
    #[arg(long, env = "BRIGADA_SYNC_DATABASE")]
    database: Option<String>,
    /// An S3-compatible bucket for photos and signatures (s3://BUCKET/PREFIX; endpoint and
    /// credentials from AWS_*) instead of DATA/blobs.
    #[arg(long, env = "BRIGADA_SYNC_BLOBS")]
    blobs: Option<String>,
}

impl Place {
    fn open(&self) -> Result<std::sync::Arc<dyn brigada_sync::storage::Storage>> {
        Ok(brigada_sync::open_storage(&self.data, self.database.as_deref())?)
    }
}

#[derive(Subcommand)]
enum DeviceCommand {
    Add {
        #[command(flatten)]
        at: Place,
        /// The person who will use the device.
        #[arg(long)]
        name: String,
        /// tecnico, oficina, jefe (the Jefe(a) de Departamento: seals the head's signature) or admin
        #[arg(long)]
        role: String,
        /// DTI section code (RT, IT, BD, SI).
        #[arg(long, default_value = "")]
        seccion: String,
        /// Server address the device will use (put in the QR). With https://, the QR
        /// pins this server's own certificate authority.
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        url: String,
        /// The server uses a certificate from a CA the devices already trust (the
        /// hospital's, given to `serve --cert`): do not pin the server's own CA.
        #[arg(long)]
        no_pin: bool,
        /// Allow an http:// address beyond loopback (see `serve --insecure-http`).
        #[arg(long)]
        insecure_http: bool,
        /// Also write the QR as a PNG (DATA/inscripciones/ID.png, readable by this user
        /// only, deleted once the device enrols or the code expires).
        #[arg(long)]
        qr_png: bool,
        #[arg(long)]
        json: bool,
    },
    List {
        #[command(flatten)]
        at: Place,
        #[arg(long)]
        json: bool,
    },
    Revoke {
        id: String,
        #[command(flatten)]
        at: Place,
        #[arg(long)]
        json: bool,
    },
}

fn main() {
    // The administrator's language (LANG), Spanish by default, like the `brigada` CLI.
    set_locale(Locale::from_env());
    if let Err(e) = run() {
        let code = e.downcast_ref::<ServerError>().map_or("error", ServerError::code);
        eprintln!("error[{code}]: {e:#}");
        std::process::exit(1);
    }
}

fn cannot_read(p: &std::path::Path) -> Message {
    msg!("file.cannot_read", path = p.display().to_string())
}

fn run() -> Result<()> {
    match Cli::parse().command {
        Command::Serve {
            listen,
            at,
            cert,
            key,
            names,
            insecure_http,
        } => {
            let tls = match (cert, key) {
                (Some(c), Some(k)) => Some(Https::Given(brigada_sync::Tls {
                    cert_pem: std::fs::read(&c).with_context(|| cannot_read(&c))?,
                    key_pem: std::fs::read(&k).with_context(|| cannot_read(&k))?,
                    own_ca: None,
                })),
                _ if insecure_http => None,
                _ => Some(Https::Own(names)),
            };
            serve(&listen, &at, tls)
        }
        Command::Device(DeviceCommand::Add {
            at,
            name,
            role,
            seccion,
            url,
            no_pin,
            insecure_http,
            qr_png,
            json,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| ServerError::BadRequest(msg!("server.role", role = &role)))?;
            let url = url.trim().trim_end_matches('/').to_owned();
            let https = url.starts_with("https://");
            if !https && !insecure_http && !brigada_sync::tls::is_loopback_url(&url) {
                return Err(ServerError::BadRequest(msg!("server.plain_http_url", url = &url)).into());
            }
            let storage = at.open()?;
            let data = &at.data;
            // An https address pins the server's own CA (made now if the server has not
            // started yet), unless the hospital's certificate is used.
            let ca_fingerprint = match https && !no_pin {
                true => brigada_sync::tls::fingerprint(&brigada_sync::tls::ensure_ca(data)?.1),
                false => None,
            };
            let (d, code) = brigada_sync::add_device(storage.as_ref(), &name, role, &seccion)?;
            brigada_sync::enrol_qr::sweep(data, &storage.devices()?, chrono::Utc::now().timestamp_millis());
            let target = brigada_record::protocol::EnrolTarget {
                url: url.clone(),
                code: code.clone(),
                ca_fingerprint: ca_fingerprint.clone(),
            };
            let payload = target.payload();
            let png = match qr_png {
                true => Some(brigada_sync::enrol_qr::write(data, &d.id, &payload)?),
                false => None,
            };
            if json {
                println!(
                    "{}",
                    serde_json::json!({"id": d.id, "code": code, "qr_payload": payload, "qr_png": png,
                        "ca_fingerprint": ca_fingerprint})
                );
            } else {
                let qr = qrcode::QrCode::new(payload.as_bytes())?;
                println!(
                    "{}",
                    qr.render::<qrcode::render::unicode::Dense1x2>()
                        .quiet_zone(true)
                        .build()
                );
                let role = d.role.as_str();
                println!(
                    "{}",
                    msg!(
                        "server.device_added",
                        person = &d.person,
                        role = role,
                        seccion = &d.seccion
                    )
                );
                println!("{}", msg!("server.device_code", code = &code));
                if let Some(fp) = &ca_fingerprint {
                    println!("{}", msg!("server.device_fingerprint", fingerprint = fp));
                }
                println!("{}", msg!("server.device_enrol_with", payload = &payload));
                if let Some(png) = png {
                    println!("{}", msg!("server.device_qr", path = png.display().to_string()));
                }
            }
            Ok(())
        }
        Command::Device(DeviceCommand::List { at, json }) => {
            let storage = at.open()?;
            let devices = storage.devices()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&devices)?);
            } else {
                for d in devices {
                    let state = if d.revoked_at.is_some() {
                        msg!("server.device_revoked_state")
                    } else if d.enrolled_at.is_some() {
                        msg!("server.device_active")
                    } else {
                        msg!("server.device_not_enrolled")
                    };
                    let synced = d.last_sync_at.map_or_else(
                        || msg!("server.device_never_synced").to_string(),
                        |t| {
                            chrono::DateTime::from_timestamp_millis(t)
                                .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                                .unwrap_or_default()
                        },
                    );
                    println!(
                        "{}  {:<30} {:<8} {:<3} {:<14} {:<12} {}",
                        d.id,
                        d.person,
                        d.role.as_str(),
                        d.seccion,
                        d.device_name.as_deref().unwrap_or("—"),
                        state.to_string(),
                        msg!("server.device_synced", when = synced)
                    );
                }
            }
            Ok(())
        }
        Command::Backup { at, out, json } => {
            let blobs = brigada_sync::open_blobs(&at.data, at.blobs.as_deref(), &[])?;
            let s = match &at.database {
                Some(db) => brigada_sync::backup::backup_database(
                    &brigada_sync::storage::postgres::PgStorage::open(db)?,
                    blobs.as_ref(),
                    &at.data,
                    &out,
                )?,
                None => brigada_sync::backup::backup_with(&at.data, blobs.as_ref(), &out)?,
            };
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                println!(
                    "{}",
                    msg!(
                        "backup.done",
                        path = out.display().to_string(),
                        documents = s.documents,
                        devices = s.devices,
                        blobs = s.blobs,
                        size = format!("{:.1} MiB", s.bytes as f64 / 1048576.0)
                    )
                );
            }
            Ok(())
        }
        Command::Migrate { from, to, blobs, json } => {
            if !brigada_sync::storage::sqlite::db_path(&from).is_file() {
                anyhow::bail!(
                    "{} holds no embedded database (brigada-sync.db): give the data folder the server ran with",
                    from.display()
                );
            }
            let target = brigada_sync::storage::postgres::PgStorage::open(&to)?;
            // Photos first: copying them again is harmless, and the records that name them
            // are committed only once they are all in the bucket.
            let copied = match &blobs {
                Some(url) => {
                    let bucket = brigada_sync::open_blobs(&from, Some(url), &[])?;
                    Some(brigada_sync::storage::blobs::copy_folder(&from, bucket.as_ref())?)
                }
                None => None,
            };
            let moved = target.import(&from)?;
            if json {
                let mut v = serde_json::to_value(&moved)?;
                v["blobs_copied"] = serde_json::json!(copied);
                println!("{v}");
            } else {
                let data = from.display().to_string();
                if moved.already {
                    println!(
                        "{}",
                        msg!("migrate.already", devices = moved.devices, documents = moved.documents)
                    );
                } else {
                    println!(
                        "{}",
                        msg!(
                            "migrate.done",
                            devices = moved.devices,
                            documents = moved.documents,
                            seals = moved.seals,
                            tags = moved.tag_ranges,
                            blobs = moved.blobs,
                            data = &data
                        )
                    );
                }
                match (&blobs, copied) {
                    (Some(url), Some(n)) => {
                        println!("{}", msg!("migrate.bucket", count = n, url = url));
                        println!("{}", msg!("migrate.next_bucket", url = url));
                    }
                    _ => println!("{}", msg!("migrate.next", data = &data)),
                }
            }
            Ok(())
        }
        Command::Restore { from, at, json } => {
            // Into the data folder as an embedded server first; then the photos into the
            // bucket and the records into the database, when given (each verified).
            let database = at
                .database
                .as_deref()
                .map(brigada_sync::storage::postgres::PgStorage::open)
                .transpose()?;
            let s = brigada_sync::backup::restore(&from, &at.data)?;
            if let Some(url) = &at.blobs {
                let bucket = brigada_sync::open_blobs(&at.data, Some(url), &[])?;
                brigada_sync::storage::blobs::copy_folder(&at.data, bucket.as_ref())?;
            }
            if let Some(db) = &database {
                db.import(&at.data)?;
            }
            if json {
                println!("{}", serde_json::to_string(&s)?);
            } else {
                let taken = chrono::DateTime::from_timestamp_millis(s.taken_at)
                    .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                println!(
                    "{}",
                    msg!(
                        "restore.done",
                        taken = &taken,
                        documents = s.documents,
                        devices = s.devices,
                        blobs = s.blobs
                    )
                );
                println!("{}", msg!("restore.revoke_again", taken = &taken));
                for d in &s.active_devices {
                    println!("  {d}");
                }
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { id, at, json }) => {
            let storage = at.open()?;
            if !storage.revoke(&id, chrono::Utc::now().timestamp_millis())? {
                return Err(ServerError::NotFound(msg!("server.no_device", id = &id)).into());
            }
            brigada_sync::enrol_qr::remove(&at.data, &id);
            if json {
                println!("{}", serde_json::json!({"id": id, "revoked": true}));
            } else {
                println!("{}", msg!("server.device_revoked", id = &id));
            }
            Ok(())
        }
    }
}

/// How the server speaks HTTPS: with the certificate it was given, or with its own CA
/// (made on first start) for this machine's names and those given.
enum Https {
    Given(brigada_sync::Tls),
    Own(Vec<String>),
}

fn serve(listen: &str, at: &Place, https: Option<Https>) -> Result<()> {
    let data = at.data.as_path();
    // Colour only on a terminal: a log file or a pipe (journald, `| tee`) gets plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let storage = at.open()?;
    let listener = std::net::TcpListener::bind(listen).with_context(|| msg!("server.cannot_listen", addr = listen))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    // Loopback alone may stay plain HTTP (a reverse proxy in front, or a demo); beyond it,
    // HTTPS unless the administrator said otherwise.
    let tls = match https {
        Some(Https::Given(t)) => Some(t),
        Some(Https::Own(_)) if addr.ip().is_loopback() => None,
        Some(Https::Own(names)) => Some(brigada_sync::tls::ensure(
            data,
            &brigada_sync::tls::machine_names(&names),
        )?),
        None => {
            if !addr.ip().is_loopback() {
                tracing::warn!("{}", msg!("server.insecure_http_warning", addr = addr.to_string()));
            }
            None
        }
    };
    if let Some(fp) = tls
        .as_ref()
        .and_then(|t| t.own_ca.as_deref())
        .and_then(brigada_sync::tls::fingerprint)
    {
        tracing::info!(fingerprint = %fp, "own certificate authority (enrolment QRs pin it)");
    }
    brigada_sync::enrol_qr::sweep(data, &storage.devices()?, chrono::Utc::now().timestamp_millis());
    let config = tls.as_ref().map(brigada_sync::Tls::config).transpose()?;
    let blobs = brigada_sync::open_blobs(data, at.blobs.as_deref(), &[])?;
    let state = brigada_sync::http::AppState::open(
        storage,
        blobs,
        data,
        brigada_sync::listen::Limits::default(),
        tls.as_ref(),
    )?;
    tracing::info!(addr = %addr, data = %data.display(), https = config.is_some(),
        database = if at.database.is_some() { "postgresql" } else { "embedded" }, "brigada-sync listening");
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(brigada_sync::serve_on(listener, state, config, async {
        let ctrl_c = tokio::signal::ctrl_c();
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = ctrl_c => {},
            _ = async { if let Some(t) = term.as_mut() { t.recv().await; } else { std::future::pending::<()>().await } } => {},
        }
        tracing::info!("shutting down");
    }))
}
