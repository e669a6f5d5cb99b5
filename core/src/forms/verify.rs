//! Checking signatures and printed papers against the stored expediente.
//!
//! A signature is valid when (1) its Ed25519 seal verifies over the statement rebuilt from
//! the stored record, (2) the sealing key belongs to an enrolled device that was not revoked
//! before the signing time, (3) the strokes and image it names are here and hash to what
//! was sealed, and (4) the expediente at the sealed heads hashes to the sealed content hash.
//! Any failure makes the whole verification `invalid`; valid signatures over content that
//! changed since make it `changed-after-signing`.

use automerge::Automerge;
use brigada_record::msg;
use ed25519_dalek::{Signature as EdSignature, Verifier, VerifyingKey};
use serde::Serialize;

use super::{ALL_KINDS, Printed, at_heads, parse_qr_text, signatures_for};
use crate::error::{Error, Result};
use crate::model::{Expediente, Signature};
use crate::procedure::Procedure;
use crate::signature::{self, Statement};
use crate::store::{blobs, keys};
use crate::{Store, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "VerifyStatus"))]
pub enum Status {
    Valid,
    ChangedAfterSigning,
    Invalid,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SignatureCheck {
    pub id: String,
    pub role: String,
    pub name: String,
    pub signed_at: String,
    pub device: String,
    /// Who the sealing key was enrolled to, when known.
    pub key_owner: Option<String>,
    pub valid: bool,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Verification {
    pub status: Status,
    pub folio: String,
    pub expediente_id: String,
    /// The document checked, when a paper (QR, PDF) was given.
    pub document: Option<String>,
    pub signatures: Vec<SignatureCheck>,
    pub reason: String,
}

fn decode_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    hex::decode(s).ok()?.try_into().ok()
}

impl Store {
    fn check_signature(&self, d: &Automerge, exp: &Expediente, s: &Signature) -> SignatureCheck {
        let mut check = SignatureCheck {
            id: s.id.clone(),
            role: s.role.clone(),
            name: s.name.clone(),
            signed_at: time::display_ms(s.stamp.at),
            device: s.stamp.device.clone(),
            key_owner: None,
            valid: false,
            reason: None,
        };
        match self.signature_problem(d, exp, s, &mut check.key_owner) {
            Ok(None) => check.valid = true,
            Ok(Some(why)) => check.reason = Some(why),
            Err(e) => check.reason = Some(e.to_string()),
        }
        check
    }

    fn signature_problem(
        &self,
        d: &Automerge,
        exp: &Expediente,
        s: &Signature,
        owner: &mut Option<String>,
    ) -> Result<Option<String>> {
        let statement = Statement {
            purpose: "brigada-firma-v1",
            expediente: &exp.id,
            role: &s.role,
            name: &s.name,
            at: s.stamp.at,
            device: &s.stamp.device,
            heads: &s.heads,
            content_hash: &s.content_hash,
            strokes_blob: &s.strokes_blob,
            image_blob: &s.image_blob,
        };
        let (Some(key), Some(seal)) = (decode_hex::<32>(&s.device_key), decode_hex::<64>(&s.seal)) else {
            return Ok(Some("the seal or its key is malformed".into()));
        };
        let Ok(key) = VerifyingKey::from_bytes(&key) else {
            return Ok(Some("the sealing key is not a valid Ed25519 key".into()));
        };
        let bytes = serde_json::to_vec(&statement).unwrap_or_default();
        if key.verify(&bytes, &EdSignature::from_bytes(&seal)).is_err() {
            return Ok(Some(
                "the seal does not match the signature record: the signer, time, content or image was altered".into(),
            ));
        }
        match keys::find(self.conn(), &s.device_key)? {
            None => {
                return Ok(Some(
                    "sealed by a device key that is not enrolled with the office server (or this copy has not \
                     synced the list of keys yet)"
                        .into(),
                ));
            }
            Some(k) => {
                *owner = Some(format!("{} ({})", k.person, k.device_name));
                if let Some(rev) = k.revoked_at.filter(|r| *r <= s.stamp.at) {
                    return Ok(Some(format!(
                        "sealed by device {} after it was revoked on {}",
                        k.device_name,
                        time::display_ms(rev)
                    )));
                }
            }
        }
        for (what, h) in [("strokes", &s.strokes_blob), ("image", &s.image_blob)] {
            match blobs::get(self.conn(), h) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Ok(Some(format!(
                        "the signature's {what} has not arrived in this copy yet: sync and verify again"
                    )));
                }
                Err(_) => {
                    return Ok(Some(format!(
                        "the signature's {what} was altered (its hash does not match)"
                    )));
                }
            }
        }
        let Some(signed) = at_heads(&exp.id, d, &s.heads) else {
            return Ok(Some(
                "the signed version is not in this copy: sync and verify again".into(),
            ));
        };
        if signature::content_hash(&signed) != s.content_hash {
            return Ok(Some("the content at the signed version does not match the seal".into()));
        }
        Ok(None)
    }

    /// Verify every signature of an expediente, and whether its signed documents changed
    /// since.
    pub fn verify_expediente(&self, r: &str) -> Result<Verification> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        let out = self.verify_loaded(&d, &exp, proc);
        self.keep_doc(&id, d, exp);
        Ok(out)
    }

    fn verify_loaded(&self, d: &Automerge, exp: &Expediente, proc: &Procedure) -> Verification {
        let checks: Vec<SignatureCheck> = exp.signatures.iter().map(|s| self.check_signature(d, exp, s)).collect();
        let mut v = Verification {
            status: Status::Valid,
            folio: exp.folio.clone(),
            expediente_id: exp.id.clone(),
            document: None,
            signatures: checks,
            reason: String::new(),
        };
        if v.signatures.is_empty() {
            v.status = Status::Invalid;
            v.reason = "nothing to verify: the expediente has no signatures yet".into();
            return v;
        }
        if let Some(bad) = v.signatures.iter().find(|c| !c.valid) {
            v.status = Status::Invalid;
            v.reason = format!(
                "the signature of {} ({}) is not valid: {}",
                bad.name,
                bad.role,
                bad.reason.clone().unwrap_or_default()
            );
            return v;
        }
        let mut changed = Vec::new();
        for kind in ALL_KINDS {
            if signatures_for(exp, proc, kind).is_empty() {
                continue;
            }
            if let Ok(f) = self.form_of(d, exp, proc, kind, false, None)
                && (f.changed_after_signing.is_some() || f.signers.iter().any(|s| s.earlier_version))
            {
                changed.push(kind.title());
            }
        }
        if changed.is_empty() {
            v.reason = format!(
                "{} signature(s) valid; the signed content is unchanged",
                v.signatures.len()
            );
        } else {
            v.status = Status::ChangedAfterSigning;
            v.reason = format!(
                "the signatures are valid, but the content of {} changed after signing",
                changed.join(", ")
            );
        }
        v
    }

    /// Check a printed paper by the text of its verification QR.
    pub fn verify_printed(&self, qr_text: &str) -> Result<Verification> {
        let p: Printed = parse_qr_text(qr_text).ok_or_else(|| {
            Error::InvalidInput(msg!(
                "verify.not_brigada",
                text = qr_text.chars().take(80).collect::<String>()
            ))
        })?;
        let (d, exp, proc) = self.load_doc(&p.expediente_id).map_err(|_| {
            Error::NotFound(format!(
                "{} (the expediente of this paper; sync and try again)",
                p.expediente_id
            ))
        })?;
        let mut v = self.verify_loaded(&d, &exp, proc);
        v.document = Some(p.kind.title().to_owned());
        let sigs = signatures_for(&exp, proc, p.kind);
        let n = sigs.len();
        let sig_ids: Vec<String> = sigs.iter().map(|s| s.id.clone()).collect();
        v.signatures.retain(|c| sig_ids.contains(&c.id));
        let code_of = |draft: bool, upto: Option<usize>| {
            self.form_of(&d, &exp, proc, p.kind, draft, upto)
                .ok()
                .map(|f| (f.code.rsplit(':').next().unwrap_or_default().to_owned(), f))
        };
        let current = code_of(p.draft, None);
        let matched = if p.draft {
            current.as_ref().filter(|(c, _)| *c == p.code).map(|_| n)
        } else {
            (1..=n)
                .rev()
                .find(|k| code_of(false, Some(*k)).is_some_and(|(c, _)| c == p.code))
        };
        let bad = v.signatures.iter().find(|c| !c.valid).cloned();
        (v.status, v.reason) = match (matched, bad) {
            (None, _) => (
                Status::Invalid,
                "this paper does not match any stored version of the document: it was altered, or printed from a \
                 copy that has not synced"
                    .into(),
            ),
            (Some(_), _) if p.draft => (
                Status::Invalid,
                "this paper is an unsigned draft: it matches the current content but carries no signatures".into(),
            ),
            (Some(_), Some(b)) => (
                Status::Invalid,
                format!(
                    "the signature of {} ({}) is not valid: {}",
                    b.name,
                    b.role,
                    b.reason.unwrap_or_default()
                ),
            ),
            (Some(k), None) if k < n => (
                Status::ChangedAfterSigning,
                format!("the paper shows an earlier signed version ({k} of {n} signatures); it was signed again since"),
            ),
            (Some(_), None) => match current.and_then(|(_, f)| f.changed_after_signing) {
                Some(_) => (
                    Status::ChangedAfterSigning,
                    "the paper matches the signed version, but the expediente changed after signing".into(),
                ),
                None => (
                    Status::Valid,
                    format!("the paper matches the signed version; {n} signature(s) valid"),
                ),
            },
        };
        self.keep_doc(&exp.id.clone(), d, exp);
        Ok(v)
    }
}
