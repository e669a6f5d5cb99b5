//! The connection to PostgreSQL, encrypted and verified when the address asks for it.
//!
//! Instances on other machines reach the database over the hospital's network, where a
//! stranger may listen or pose as the database. `sslmode=require` (or libpq's
//! `verify-ca`/`verify-full`) in the address makes every connection TLS, with the server's
//! certificate checked against the system's authorities — or only the one in
//! `sslrootcert=FILE`, as libpq reads it — and its name against the host's: an unverified
//! encryption would hand the password to whoever answers first. `sslmode=prefer`/`allow`
//! fall back to plain text when the server declines, so they are refused. Without
//! `sslmode` the connection is plain, as it was: right for the Unix socket and loopback.

use postgres::config::SslMode;
use postgres::{Client, Config, NoTls};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{Result, ServerError};

/// How connections to the database are made.
#[derive(Clone)]
pub(super) enum Tls {
    Plain,
    Verified(MakeRustlsConnect),
}

impl Tls {
    pub(super) fn connect(&self, config: &Config) -> std::result::Result<Client, postgres::Error> {
        match self {
            Tls::Plain => config.connect(NoTls),
            Tls::Verified(tls) => config.connect(tls.clone()),
        }
    }
}

/// The address's options this crate's parser does not take (libpq's), read and removed:
/// `sslmode` names past `require`, and `sslrootcert`.
struct Options {
    url: String,
    mode: Option<String>,
    root: Option<String>,
}

fn split(url: &str) -> Options {
    let Some((base, query)) = url.split_once('?') else {
        return Options {
            url: url.to_owned(),
            mode: None,
            root: None,
        };
    };
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", v)) => mode = Some(v.to_owned()),
            Some(("sslrootcert", v)) => root = Some(v.to_owned()),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Options { url, mode, root }
}

/// The connection settings and how to secure them, from `--database`.
pub(super) fn parse(url: &str) -> Result<(Config, Tls)> {
    let o = split(url);
    // The address may hold a password: it is never repeated in a message.
    let mut config: Config = o.url.parse().map_err(|_| {
        ServerError::Storage(
            "--database is not a PostgreSQL address: write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                .into(),
        )
    })?;
    let tls = match o.mode.as_deref() {
        None | Some("disable") => {
            if o.root.is_some() {
                return Err(ServerError::Storage(
                    "--database names sslrootcert without sslmode=require: add sslmode=require to encrypt the connection"
                        .into(),
                ));
            }
            config.ssl_mode(SslMode::Disable);
            Tls::Plain
        }
        Some("require" | "verify-ca" | "verify-full") => {
            config.ssl_mode(SslMode::Require);
            Tls::Verified(MakeRustlsConnect::new(client_config(o.root.as_deref())?))
        }
        Some(other) => {
            return Err(ServerError::Storage(format!(
                "--database has sslmode={other}, which falls back to an unencrypted connection: write sslmode=require (encrypted, the server's certificate verified) or leave it out on a socket or loopback"
            )));
        }
    };
    Ok((config, tls))
}

/// Trust the authorities in `root` (a PEM file), or the system's.
fn client_config(root: Option<&str>) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    match root {
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<std::result::Result<_, _>>())
                .map_err(|e| {
                    ServerError::Storage(format!(
                        "cannot read the database's certificate authority sslrootcert={path}: {e}; give a PEM file the server's user can read"
                    ))
                })?;
            let (added, _) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(ServerError::Storage(format!(
                    "sslrootcert={path} holds no certificate: give the PEM file of the authority that signed the database's certificate"
                )));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
            if roots.is_empty() {
                return Err(ServerError::Storage(
                    "no certificate authorities on this system to verify the database with: install ca-certificates or give sslrootcert=FILE"
                        .into(),
                ));
            }
        }
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Whether a plain connection to `config` leaves this machine (a TCP host other than
/// loopback): worth a warning.
pub(super) fn plain_over_network(config: &Config, tls: &Tls) -> bool {
    matches!(tls, Tls::Plain)
        && config.get_hosts().iter().any(|h| match h {
            postgres::config::Host::Tcp(name) => !matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1"),
            postgres::config::Host::Unix(_) => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_options_are_read_and_the_rest_kept() {
        let o = split("postgres://u@db.example/brigada?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5");
        assert_eq!(o.url, "postgres://u@db.example/brigada?connect_timeout=5");
        assert_eq!(o.mode.as_deref(), Some("verify-full"));
        assert_eq!(o.root.as_deref(), Some("/etc/ca.pem"));
        let o = split("postgres://u@/brigada?host=/run/postgresql");
        assert_eq!(o.url, "postgres://u@/brigada?host=/run/postgresql");
        assert!(o.mode.is_none() && o.root.is_none());
    }

    #[test]
    fn a_mode_that_falls_back_to_plain_text_is_refused() {
        for mode in ["prefer", "allow", "bogus"] {
            let Err(e) = parse(&format!("postgres://u:secret@db.example/b?sslmode={mode}")) else {
                panic!("sslmode={mode} accepted");
            };
            let said = e.to_string();
            assert!(said.contains("sslmode=require"), "{said}");
            assert!(!said.contains("secret"), "{said}");
        }
        let Err(e) = parse("postgres://u@db.example/b?sslrootcert=/etc/ca.pem") else {
            panic!("a CA without sslmode accepted");
        };
        assert!(e.to_string().contains("sslmode=require"));
        let Err(e) = parse("postgres://u@db.example/b?sslmode=require&sslrootcert=/nonexistent/ca.pem") else {
            panic!("a missing CA file accepted");
        };
        assert!(e.to_string().contains("/nonexistent/ca.pem"), "{e}");
    }

    #[test]
    fn plain_text_beyond_this_machine_is_noticed() {
        let (c, t) = parse("postgres://u@db.example/b").unwrap();
        assert!(plain_over_network(&c, &t));
        for local in [
            "postgres://u@localhost/b",
            "postgres://u@127.0.0.1/b",
            "postgres://u@/b?host=/run/postgresql",
        ] {
            let (c, t) = parse(local).unwrap();
            assert!(!plain_over_network(&c, &t), "{local}");
        }
    }
}
