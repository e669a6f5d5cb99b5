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
    /// Run the server: embedded SQLite database under --data.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        #[arg(long, env = "BRIGADA_SYNC_DATA")]
        data: PathBuf,
        /// Serve HTTPS with this certificate (PEM; needs --key).
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// The certificate's private key (PEM).
        #[arg(long, requires = "cert")]
        key: Option<PathBuf>,
    },
    /// Devices: add (prints a one-time enrolment code and QR), list, revoke.
    #[command(subcommand)]
    Device(DeviceCommand),
}

#[derive(Subcommand)]
enum DeviceCommand {
    Add {
        #[arg(long, env = "BRIGADA_SYNC_DATA")]
        data: PathBuf,
        /// The person who will use the device.
        #[arg(long)]
        name: String,
        /// tecnico, oficina or admin
        #[arg(long)]
        role: String,
        /// DTI section code (RT, IT, BD, SI).
        #[arg(long, default_value = "")]
        seccion: String,
        /// Server address the device will use (put in the QR).
        #[arg(long, default_value = "http://127.0.0.1:8787")]
        url: String,
        /// Where to write the enrolment QR as PNG (default: DATA/inscripciones/ID.png).
        #[arg(long)]
        qr_png: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    List {
        #[arg(long, env = "BRIGADA_SYNC_DATA")]
        data: PathBuf,
        #[arg(long)]
        json: bool,
    },
    Revoke {
        id: String,
        #[arg(long, env = "BRIGADA_SYNC_DATA")]
        data: PathBuf,
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
            data,
            cert,
            key,
        } => {
            let tls = match (cert, key) {
                (Some(c), Some(k)) => Some(brigada_sync::Tls {
                    cert_pem: std::fs::read(&c).with_context(|| cannot_read(&c))?,
                    key_pem: std::fs::read(&k).with_context(|| cannot_read(&k))?,
                }),
                _ => None,
            };
            serve(&listen, &data, tls)
        }
        Command::Device(DeviceCommand::Add {
            data,
            name,
            role,
            seccion,
            url,
            qr_png,
            json,
        }) => {
            let role = Role::parse(&role).ok_or_else(|| ServerError::BadRequest(msg!("server.role", role = &role)))?;
            let storage = brigada_sync::open_storage(&data)?;
            let (d, code) = brigada_sync::add_device(storage.as_ref(), &name, role, &seccion)?;
            let payload = format!("brigada-enroll:{}#{}", url.trim_end_matches('/'), code);
            // The QR as PNG, for printing or sending: --qr-png, else beside the database.
            let png = qr_png.unwrap_or_else(|| data.join("inscripciones").join(format!("{}.png", d.id)));
            if let Some(dir) = png.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| msg!("file.cannot_create", path = dir.display().to_string()))?;
            }
            std::fs::write(&png, brigada_sync::enrol_qr::png(&payload, 8)?)
                .with_context(|| msg!("file.cannot_write", path = png.display().to_string()))?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"id": d.id, "code": code, "qr_payload": payload, "qr_png": png})
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
                println!("{}", msg!("server.device_enrol_with", url = &url, code = &code));
                println!("{}", msg!("server.device_qr", path = png.display().to_string()));
            }
            Ok(())
        }
        Command::Device(DeviceCommand::List { data, json }) => {
            let storage = brigada_sync::open_storage(&data)?;
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
                    println!(
                        "{}  {:<30} {:<8} {:<3} {:<14} {}",
                        d.id,
                        d.person,
                        d.role.as_str(),
                        d.seccion,
                        d.device_name.as_deref().unwrap_or("—"),
                        state
                    );
                }
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Revoke { id, data, json }) => {
            let storage = brigada_sync::open_storage(&data)?;
            if !storage.revoke(&id, chrono::Utc::now().timestamp_millis())? {
                return Err(ServerError::NotFound(msg!("server.no_device", id = &id)).into());
            }
            if json {
                println!("{}", serde_json::json!({"id": id, "revoked": true}));
            } else {
                println!("{}", msg!("server.device_revoked", id = &id));
            }
            Ok(())
        }
    }
}

fn serve(listen: &str, data: &std::path::Path, tls: Option<brigada_sync::Tls>) -> Result<()> {
    // Colour only on a terminal: a log file or a pipe (journald, `| tee`) gets plain text.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(colour)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let storage = brigada_sync::open_storage(data)?;
    let blobs = std::sync::Arc::new(brigada_sync::storage::blobs::BlobStore::open(data)?);
    let listener = std::net::TcpListener::bind(listen).with_context(|| msg!("server.cannot_listen", addr = listen))?;
    listener.set_nonblocking(true)?;
    let https = tls.is_some();
    let tls = tls.as_ref().map(brigada_sync::Tls::config).transpose()?;
    tracing::info!(addr = %listener.local_addr()?, data = %data.display(), https, "brigada-sync listening");
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(brigada_sync::serve_on(
        listener,
        brigada_sync::http::AppState::new(storage, blobs, brigada_sync::listen::Limits::default()),
        tls,
        async {
            let ctrl_c = tokio::signal::ctrl_c();
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = ctrl_c => {},
                _ = async { if let Some(t) = term.as_mut() { t.recv().await; } else { std::future::pending::<()>().await } } => {},
            }
            tracing::info!("shutting down");
        },
    ))
}
