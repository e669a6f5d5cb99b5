//! The database key, derived from the technician's passphrase or PIN with Argon2id.
//!
//! A stolen tablet's files can be attacked offline, so the passphrase chosen at `init`
//! and the derivation cost together must make guessing slow: every allowed PIN (8 digits
//! or more, not one digit repeated nor a run) at ≈ 140 ms a guess on one core here is
//! 10⁸ × 0.14 s ≈ 160 days; a passphrase with letters needs 8 characters or more. Unlock
//! stays well under a second (docs/BENCHMARKS.md). Stores made with the older, cheaper
//! parameters keep theirs (they are in `device.json`) and still open.
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
    /// Argon2id with 64 MiB and 3 passes: ≈ 140 ms on this project's 2-core machine
    /// (one derivation, release build), under a second on a slow tablet.
    pub fn new_random() -> Self {
        Self::with_cost(65_536, 3)
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

/// Shortest passphrase or PIN a new store accepts.
pub const MIN_LEN: usize = 8;

/// Whether `passphrase` may protect a new store: a PIN of [`MIN_LEN`] digits or more that
/// is not one digit repeated nor a run (12345678, 98765432), or a passphrase with letters
/// of [`MIN_LEN`] characters or more, not one character repeated.
pub fn check_policy(passphrase: &str) -> Result<()> {
    let chars: Vec<char> = passphrase.trim().chars().collect();
    let long_enough = chars.len() >= MIN_LEN;
    let repeated = chars.windows(2).all(|w| w[0] == w[1]);
    let digits: Option<Vec<i32>> = chars.iter().map(|c| c.to_digit(10).map(|d| d as i32)).collect();
    let run = digits.as_ref().is_some_and(|d| {
        let step = d.get(1).zip(d.first()).map(|(b, a)| b - a);
        matches!(step, Some(1 | -1)) && d.windows(2).all(|w| Some(w[1] - w[0]) == step)
    });
    if long_enough && !repeated && !run {
        Ok(())
    } else {
        Err(Error::WeakPassphrase)
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_store_takes_only_passphrases_a_thief_cannot_soon_guess() {
        for weak in [
            "1234", "1234567", "11111111", "12345678", "98765432", "aaaaaaaa", "abc1234", "        ",
        ] {
            assert!(
                matches!(check_policy(weak), Err(Error::WeakPassphrase)),
                "{weak:?} was accepted"
            );
        }
        for fine in ["20481937", "04151926", "demo-1234", "prueba-1234", "correct horse"] {
            assert!(check_policy(fine).is_ok(), "{fine:?} was refused");
        }
    }

    #[test]
    fn a_new_store_pays_for_each_guess() {
        // The cost the policy's arithmetic rests on (docs/BENCHMARKS.md: ≈ 140 ms here).
        let p = KdfParams::new_random();
        assert!(p.m_cost >= 64 * 1024 && p.t_cost >= 3, "{p:?}");
        assert_eq!(hex::decode(&p.salt).unwrap().len(), 16);
        assert_ne!(p.salt, KdfParams::new_random().salt, "a fresh salt per store");
    }
}
