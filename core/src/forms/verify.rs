//! Checking signatures and printed papers against the stored expediente.
//!
//! A signature is valid when (1) its Ed25519 seal verifies over the statement rebuilt from
//! the stored record, (2) the sealing key belongs to an enrolled device that was not revoked
//! before the signing time, (3) the strokes and image it names are here and hash to what
//! was sealed, and (4) the expediente at the sealed heads hashes to the sealed content hash.
//! A `jefe` signature (Jefe(a) de Departamento) is valid only when sealed by a device
//! enrolled with the `jefe` role. Any failure makes the whole verification `invalid`;
//! valid signatures over content that changed since make it `changed-after-signing`.

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

/// Why a signature is not valid, naming the signer and the role they signed in.
fn not_valid(c: &SignatureCheck) -> String {
    msg!(
        "verify.signature_not_valid",
        name = &c.name,
        role = brigada_record::procedure::role_name(&c.role),
        why = c.reason.clone().unwrap_or_default()
    )
    .to_string()
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
            return Ok(Some(msg!("verify.malformed").to_string()));
        };
        let Ok(key) = VerifyingKey::from_bytes(&key) else {
            return Ok(Some(msg!("verify.bad_key").to_string()));
        };
        let bytes = serde_json::to_vec(&statement).unwrap_or_default();
        if key.verify(&bytes, &EdSignature::from_bytes(&seal)).is_err() {
            return Ok(Some(msg!("verify.seal_mismatch").to_string()));
        }
        match keys::find(self.conn(), &s.device_key)? {
            None => {
                return Ok(Some(msg!("verify.key_not_enrolled").to_string()));
            }
            Some(k) => {
                *owner = Some(format!("{} ({})", k.person, k.device_name));
                if let Some(rev) = k.revoked_at.filter(|r| *r <= s.stamp.at) {
                    return Ok(Some(
                        msg!(
                            "verify.sealed_after_revocation",
                            device = &k.device_name,
                            at = time::display_ms(rev)
                        )
                        .to_string(),
                    ));
                }
                // The Head of Department's signature binds the department: only a device
                // enrolled to the person who holds that post may seal it.
                if s.role == "jefe" && k.role != "jefe" {
                    return Ok(Some(
                        msg!("verify.not_jefe", person = &k.person, device = &k.device_name).to_string(),
                    ));
                }
            }
        }
        for (missing, altered, h) in [
            (
                msg!("verify.strokes_missing"),
                msg!("verify.strokes_altered"),
                &s.strokes_blob,
            ),
            (
                msg!("verify.image_missing"),
                msg!("verify.image_altered"),
                &s.image_blob,
            ),
        ] {
            match blobs::get(self.conn(), h) {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(Some(missing.to_string())),
                Err(_) => return Ok(Some(altered.to_string())),
            }
        }
        let Some(signed) = at_heads(&exp.id, d, &s.heads) else {
            return Ok(Some(msg!("verify.version_missing").to_string()));
        };
        if signature::content_hash(&signed) != s.content_hash {
            return Ok(Some(msg!("verify.content_mismatch").to_string()));
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
            v.reason = msg!("verify.no_signatures").to_string();
            return v;
        }
        if let Some(bad) = v.signatures.iter().find(|c| !c.valid) {
            v.status = Status::Invalid;
            v.reason = not_valid(bad);
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
            v.reason = msg!("verify.all_valid", n = v.signatures.len()).to_string();
        } else {
            v.status = Status::ChangedAfterSigning;
            v.reason = msg!("verify.changed_after_signing", documents = changed.join(", ")).to_string();
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
            (None, _) => (Status::Invalid, msg!("verify.paper_unknown").to_string()),
            (Some(_), _) if p.draft => (Status::Invalid, msg!("verify.paper_draft").to_string()),
            (Some(_), Some(b)) => (Status::Invalid, not_valid(&b)),
            (Some(k), None) if k < n => (
                Status::ChangedAfterSigning,
                msg!("verify.paper_earlier", k = k, n = n).to_string(),
            ),
            (Some(_), None) => match current.and_then(|(_, f)| f.changed_after_signing) {
                Some(_) => (Status::ChangedAfterSigning, msg!("verify.paper_changed").to_string()),
                None => (Status::Valid, msg!("verify.paper_valid", n = n).to_string()),
            },
        };
        self.keep_doc(&exp.id.clone(), d, exp);
        Ok(v)
    }
}
