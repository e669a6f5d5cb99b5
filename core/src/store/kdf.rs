//! The database key, derived from the technician's passphrase or PIN with Argon2id.
//!
//! The salt and cost parameters sit beside the database in `device.json` (they are not
//! secret); a short verifier lets a wrong passphrase be refused before SQLCipher is even
//! asked, so a typo never touches the database file.

use argon2::{Algorithm, Argon2, Params, Version};
use brigada_record::msg;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct KdfParams {
    pub salt: String,
    /// Memory in KiB.
    pub m_cost: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    /// OWASP's recommended Argon2id setting (46 MiB, 1 pass): about 60 ms on this
    /// project's CI machine, well under a second on a tablet.
    pub fn new_random() -> Self {
        Self::with_cost(47_104, 1)
    }

    /// Cheap parameters for tests that open stores thousands of times. Never used by the
    /// binaries.
    pub fn new_for_tests() -> Self {
        Self::with_cost(64, 1)
    }

    fn with_cost(m_cost: u32, t_cost: u32) -> Self {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        KdfParams {
            salt: hex::encode(salt),
            m_cost,
            t_cost,
            p_cost: 1,
        }
    }
}

pub type Key = Zeroizing<[u8; 32]>;

pub fn derive(passphrase: &str, p: &KdfParams) -> Result<Key> {
    if passphrase.trim().chars().count() < 4 {
        return Err(Error::WeakPassphrase);
    }
    let salt =
        hex::decode(&p.salt).map_err(|_| Error::InvalidInput(msg!("store.device_json_damaged", detail = "salt")))?;
    let params = Params::new(p.m_cost, p.t_cost, p.p_cost, Some(32))
        .map_err(|e| Error::InvalidInput(msg!("store.device_json_damaged", detail = e.to_string())))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), &salt, key.as_mut())
        .map_err(|e| Error::InvalidInput(msg!("store.key_derivation", detail = e.to_string())))?;
    Ok(key)
}

pub fn verifier(key: &Key) -> String {
    let mut h = Sha256::new();
    h.update(b"brigada-key-verifier-v1");
    h.update(key.as_ref());
    hex::encode(h.finalize())
}
