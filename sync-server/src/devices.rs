//! Devices, roles, enrolment codes and tokens.
//!
//! A device belongs to a person with a role and a sección. The administrator creates it
//! and gets a one-time enrolment code; the device trades the code for a token of 256
//! random bits. Only SHA-256 hashes of codes and tokens are stored, so a copy of the
//! server's database does not let anyone impersonate a device. Revocation takes effect on
//! the device's next request.

use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Tecnico,
    Oficina,
    /// The Jefe(a) de Departamento: the office's reach, and the only role whose devices
    /// may seal the head of department's signature.
    Jefe,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_lowercase().as_str() {
            "tecnico" | "técnico" => Some(Role::Tecnico),
            "oficina" => Some(Role::Oficina),
            "jefe" | "jefa" => Some(Role::Jefe),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Tecnico => "tecnico",
            Role::Oficina => "oficina",
            Role::Jefe => "jefe",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Device {
    pub id: String,
    pub person: String,
    pub role: Role,
    pub seccion: String,
    /// Set once enrolled.
    pub device_name: Option<String>,
    pub device_code: Option<String>,
    pub public_key: Option<String>,
    pub created_at: i64,
    pub enrolled_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The Automerge actor (hex) the device writes with: given at enrolment (or, for a
    /// device enrolled before, bound at its first push). New changes from this device are
    /// accepted only under it.
    pub actor: Option<String>,
    /// When it last completed a sync exchange (ms, the server's clock).
    pub last_sync_at: Option<i64>,
}

/// Random secret as lowercase hex (`bytes` random bytes).
pub fn secret(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// Enrolment codes are typed by people when the QR cannot be scanned: 20 characters of
/// an unambiguous alphabet in groups of 4 (≈ 100 bits).
pub fn enrolment_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let chars: String = b
        .iter()
        .map(|x| ALPHABET[(*x as usize) % ALPHABET.len()] as char)
        .collect();
    chars
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Codes are compared without dashes, spaces or case.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typeable_and_tokens_are_256_bits() {
        let c = enrolment_code();
        assert_eq!(c.len(), 24);
        assert_eq!(normalise_code(&c.to_lowercase().replace('-', " ")), normalise_code(&c));
        assert_eq!(secret(32).len(), 64);
        assert_ne!(secret(32), secret(32));
    }
}
