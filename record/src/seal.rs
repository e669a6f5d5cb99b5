//! The statement a signature's seal covers, and the check of a seal against it.
//!
//! One definition for the three places that need it: the device that seals, any device
//! that verifies, and the server, which accepts a new signature only when its seal verifies
//! under the sending device's own key — so the server never witnesses a seal (its first
//! receipt is what the office relies on for a revoked key) that the sender did not make.

use ed25519_dalek::{Signature as EdSignature, Verifier, VerifyingKey};
use serde::Serialize;

use crate::model::Signature;

/// What the statement says it is for (a seal over it means nothing elsewhere).
pub const PURPOSE: &str = "brigada-firma-v1";

/// The statement a device seals.
#[derive(Debug, Serialize)]
pub struct Statement<'a> {
    pub purpose: &'static str,
    pub expediente: &'a str,
    pub role: &'a str,
    pub name: &'a str,
    pub at: i64,
    pub device: &'a str,
    pub heads: &'a [String],
    pub content_hash: &'a str,
    pub strokes_blob: &'a str,
    pub image_blob: &'a str,
}

impl<'a> Statement<'a> {
    /// The statement a stored signature of `expediente` claims to seal.
    pub fn of(expediente: &'a str, s: &'a Signature) -> Statement<'a> {
        Statement {
            purpose: PURPOSE,
            expediente,
            role: &s.role,
            name: &s.name,
            at: s.stamp.at,
            device: &s.stamp.device,
            heads: &s.heads,
            content_hash: &s.content_hash,
            strokes_blob: &s.strokes_blob,
            image_blob: &s.image_blob,
        }
    }

    /// The bytes sealed: the statement as JSON, fields in this order.
    pub fn bytes(&self) -> Vec<u8> {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Why a seal does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealProblem {
    /// The key or the seal is not hex of the right length.
    Malformed,
    /// The key is not a valid Ed25519 public key.
    BadKey,
    /// The seal was not made by that key over this statement.
    Mismatch,
}

fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s).ok()?.try_into().ok()
}

/// Does the signature's seal verify under its own key over the statement it claims?
pub fn check(expediente: &str, s: &Signature) -> Result<(), SealProblem> {
    let (Some(key), Some(seal)) = (decode_hex::<32>(&s.device_key), decode_hex::<64>(&s.seal)) else {
        return Err(SealProblem::Malformed);
    };
    let key = VerifyingKey::from_bytes(&key).map_err(|_| SealProblem::BadKey)?;
    key.verify(&Statement::of(expediente, s).bytes(), &EdSignature::from_bytes(&seal))
        .map_err(|_| SealProblem::Mismatch)
}
