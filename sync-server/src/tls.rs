//! The server's own certificate authority, so HTTPS is the default beyond loopback with no
//! step for the administrator and none for the técnico.
//!
//! Hospitals rarely have a public name or certificate for a machine in the DTI office.
//! On first start beyond loopback the server makes a CA (kept in `DATA/tls/`, key 0600)
//! and a server certificate signed by it that names this machine: its host name, every
//! address of its interfaces, loopback, and any `--name` the administrator adds. The
//! enrolment QR carries the SHA-256 of the CA certificate; the device fetches the CA at
//! enrolment, checks it against that fingerprint and from then on trusts only it. So a
//! stranger who answers in the server's place at enrolment is refused, and the server
//! certificate can be re-issued (new address, near expiry) without touching any device.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};
use sha2::{Digest, Sha256};

use crate::{Tls, private};

/// Where the CA and the server certificate live, under the data folder.
pub fn dir(data: &Path) -> PathBuf {
    data.join("tls")
}

/// The CA certificate (PEM) when this server has made its own.
pub fn own_ca(data: &Path) -> Option<String> {
    std::fs::read_to_string(dir(data).join("ca.pem")).ok()
}

/// The CA's subject: named after its own key, so two servers' CAs never share a name.
fn ca_params(key: &KeyPair) -> anyhow::Result<CertificateParams> {
    let id = hex::encode(&Sha256::digest(key.public_key_raw())[..6]);
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Brigada");
    dn.push(DnType::CommonName, format!("Brigada sync CA {id}"));
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2045, 1, 1);
    Ok(params)
}

/// The CA (made on first use): its key and its certificate in PEM.
pub fn ensure_ca(data: &Path) -> anyhow::Result<(KeyPair, String)> {
    let dir = dir(data);
    let (key_path, cert_path) = (dir.join("ca.key"), dir.join("ca.pem"));
    if let (Ok(key), Ok(cert)) = (std::fs::read_to_string(&key_path), std::fs::read_to_string(&cert_path)) {
        let key = KeyPair::from_pem(&key).map_err(|e| anyhow::anyhow!("{}: {e}", key_path.display()))?;
        return Ok((key, cert));
    }
    private::dir(&dir)?;
    let key = KeyPair::generate()?;
    let cert = ca_params(&key)?.self_signed(&key)?;
    private::write(&key_path, key.serialize_pem().as_bytes())?;
    private::write(&cert_path, cert.pem().as_bytes())?;
    tracing::info!(fingerprint = %fingerprint(&cert.pem()).unwrap_or_default(), "made this server's own certificate authority");
    Ok((key, cert.pem()))
}

/// The names this machine answers to: host name, interface addresses, loopback, and
/// `extra` (names the administrator gave).
pub fn machine_names(extra: &[String]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ["localhost", "127.0.0.1", "::1"].map(String::from).into();
    if let Ok(host) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        let host = host.trim();
        if !host.is_empty() {
            names.insert(host.to_owned());
        }
    }
    for i in if_addrs::get_if_addrs().unwrap_or_default() {
        if !i.is_link_local() {
            names.insert(i.ip().to_string());
        }
    }
    names.extend(extra.iter().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()));
    names
}

/// The server certificate for `names`, signed by the CA: the one in `DATA/tls` when it
/// already names all of them, otherwise a new one. With the CA, ready to serve.
pub fn ensure(data: &Path, names: &BTreeSet<String>) -> anyhow::Result<Tls> {
    let (ca_key, ca_pem) = ensure_ca(data)?;
    let dir = dir(data);
    let (key_path, cert_path, names_path) = (dir.join("server.key"), dir.join("server.pem"), dir.join("server.names"));
    let wanted = names.iter().cloned().collect::<Vec<_>>().join("\n");
    if let (Ok(key), Ok(cert), Ok(had)) = (
        std::fs::read(&key_path),
        std::fs::read_to_string(&cert_path),
        std::fs::read_to_string(&names_path),
    ) && had
        .lines()
        .collect::<BTreeSet<_>>()
        .is_superset(&names.iter().map(String::as_str).collect())
    {
        return Ok(Tls {
            cert_pem: format!("{cert}{ca_pem}").into_bytes(),
            key_pem: key,
            own_ca: Some(ca_pem),
        });
    }
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.subject_alt_names = names
        .iter()
        .map(|n| match n.parse::<std::net::IpAddr>() {
            Ok(ip) => Ok(SanType::IpAddress(ip)),
            Err(_) => Ok(SanType::DnsName(n.as_str().try_into()?)),
        })
        .collect::<Result<_, rcgen::Error>>()?;
    params.distinguished_name.push(DnType::CommonName, "brigada-sync");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.not_before = rcgen::date_time_ymd(2025, 1, 1);
    params.not_after = rcgen::date_time_ymd(2040, 1, 1);
    let key = KeyPair::generate()?;
    let issuer = Issuer::new(ca_params(&ca_key)?, &ca_key);
    let cert = params.signed_by(&key, &issuer)?;
    private::write(&key_path, key.serialize_pem().as_bytes())?;
    private::write(&cert_path, cert.pem().as_bytes())?;
    private::write(&names_path, wanted.as_bytes())?;
    tracing::info!(names = %wanted.replace('\n', ", "), "issued the server certificate");
    Ok(Tls {
        cert_pem: format!("{}{ca_pem}", cert.pem()).into_bytes(),
        key_pem: key.serialize_pem().into_bytes(),
        own_ca: Some(ca_pem),
    })
}

/// Whether `url`'s host is this machine's loopback (plain HTTP stays on the machine).
pub fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    };
    host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The fingerprint an enrolment QR pins: SHA-256 of the CA certificate (its DER).
pub fn fingerprint(ca_pem: &str) -> Option<String> {
    brigada_record::protocol::certificate_fingerprint(ca_pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_addresses_are_told_apart() {
        for url in [
            "http://127.0.0.1:8787",
            "http://localhost",
            "http://[::1]:80/x",
            "http://127.8.0.1",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "http://10.0.0.5:8787",
            "http://brigada.local",
            "http://[fe80::1]:8787",
            "https://8.8.8.8",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn the_ca_is_made_once_kept_private_and_the_certificate_follows_the_names() {
        let dir = tempfile::tempdir().unwrap();
        let names: BTreeSet<String> = ["127.0.0.1".to_string(), "brigada.local".into()].into();
        let first = ensure(dir.path(), &names).unwrap();
        let again = ensure(dir.path(), &names).unwrap();
        assert_eq!(first.own_ca, again.own_ca, "one CA");
        assert_eq!(first.cert_pem, again.cert_pem, "kept while the names hold");
        let more: BTreeSet<String> = ["10.1.2.3".to_string(), "brigada.local".into()].into();
        let third = ensure(dir.path(), &more).unwrap();
        assert_eq!(first.own_ca, third.own_ca, "the CA survives a new certificate");
        assert_ne!(first.cert_pem, third.cert_pem, "a new name, a new certificate");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &str| {
                std::fs::metadata(super::dir(dir.path()).join(p))
                    .unwrap()
                    .permissions()
                    .mode()
                    & 0o777
            };
            assert_eq!(mode("ca.key"), 0o600);
            assert_eq!(mode("server.key"), 0o600);
            let d = std::fs::metadata(super::dir(dir.path())).unwrap().permissions().mode() & 0o777;
            assert_eq!(d, 0o700);
        }
        let fp = fingerprint(first.own_ca.as_deref().unwrap()).unwrap();
        assert_eq!(fp.len(), 64);
        // Another server's CA has another fingerprint.
        let other = tempfile::tempdir().unwrap();
        let o = ensure(other.path(), &names).unwrap();
        assert_ne!(fingerprint(o.own_ca.as_deref().unwrap()).unwrap(), fp);
    }
}
