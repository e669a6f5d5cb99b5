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

fn decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Only the URL form (`postgres://…`), whose options are the query after the host (a
/// password may hold a `?`); keys and values percent-decoded, as the `postgres` crate reads
/// them. `None` for anything else.
fn split(url: &str) -> Option<Options> {
    let rest = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))?;
    let host_at = url.len() - rest.len() + rest.rfind('@').map_or(0, |i| i + 1);
    let Some(q) = url[host_at..].find('?').map(|i| host_at + i) else {
        return Some(Options {
            url: url.to_owned(),
            mode: None,
            root: None,
        });
    };
    let (base, query) = (&url[..q], &url[q + 1..]);
    let (mut mode, mut root, mut kept) = (None, None, Vec::new());
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match decoded(key).as_str() {
            "sslmode" => mode = Some(decoded(value)),
            "sslrootcert" => root = Some(decoded(value)),
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Some(Options { url, mode, root })
}

/// The connection settings and how to secure them, from `--database`.
pub(super) fn parse(url: &str) -> Result<(Config, Tls)> {
    // The address may hold a password: it is never repeated in a message.
    let not_an_address = || {
        ServerError::Storage(
            "--database is not a PostgreSQL address: write it as postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require]"
                .into(),
        )
    };
    let o = split(url).ok_or_else(not_an_address)?;
    let mut config: Config = o.url.parse().map_err(|_| not_an_address())?;
    // Whatever the parser found on its own must agree with what was read here: an option
    // read one way here and another there must not turn encryption off.
    if config.get_ssl_mode() != postgres::config::SslMode::Prefer {
        return Err(ServerError::Storage(
            "--database gives sslmode in a form this server cannot read for certain: write it once, as ?sslmode=require".into(),
        ));
    }
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
        let o = split("postgres://u@db.example/brigada?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5")
            .unwrap();
        assert_eq!(o.url, "postgres://u@db.example/brigada?connect_timeout=5");
        assert_eq!(o.mode.as_deref(), Some("verify-full"));
        assert_eq!(o.root.as_deref(), Some("/etc/ca.pem"));
        let o = split("postgres://u@/brigada?host=/run/postgresql").unwrap();
        assert_eq!(o.url, "postgres://u@/brigada?host=/run/postgresql");
        assert!(o.mode.is_none() && o.root.is_none());
    }

    #[test]
    fn encryption_asked_for_in_any_form_is_never_dropped() {
        // A `?` in the password, an encoded key, an encoded path.
        let o = split("postgres://u:pa?ss@db.example/b?ssl%6Dode=require&sslrootcert=/etc/my%20ca.pem").unwrap();
        assert_eq!(o.mode.as_deref(), Some("require"));
        assert_eq!(o.root.as_deref(), Some("/etc/my ca.pem"));
        assert_eq!(o.url, "postgres://u:pa?ss@db.example/b");
        let (_, tls) = parse("postgres://u:pa?ss@db.example/b?sslmode=require").unwrap();
        assert!(matches!(tls, Tls::Verified(_)));
        // The key=value form is not read here: refused rather than half understood.
        let Err(e) = parse("host=db.example user=u sslmode=require") else {
            panic!("a key=value address accepted");
        };
        assert!(e.to_string().contains("postgres://"), "{e}");
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
