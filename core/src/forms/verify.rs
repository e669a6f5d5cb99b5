//! Checking signatures and printed papers against the stored expediente.
//!
//! A signature is valid when (1) its Ed25519 seal verifies over the statement rebuilt from
//! the stored record, (2) the sealing key belongs to an enrolled device that was not revoked
//! before the signing time, (3) the strokes and image it names are here and hash to what
//! was sealed, and (4) the expediente at the sealed heads hashes to the sealed content hash.
//! A `jefe` signature (Jefe(a) de Departamento) is valid only when sealed by a device
//! enrolled with the `jefe` role. Any failure makes the whole verification `invalid`;
//! valid signatures over content that changed since make it `changed-after-signing`.
//!
//! The signing time is the signer's clock. A device revoked and then set back in time can
//! still seal a statement dated before its revocation, so for a revoked key the server's
//! witness decides: a seal the server first received before the revocation is valid; one
//! received after it, or never, makes the verification `review` — every check passed, but
//! the office must decide, with the reason shown.

use automerge::Automerge;
use brigada_record::msg;
use brigada_record::seal::{self, SealProblem};
use serde::Serialize;

use super::{ALL_KINDS, Printed, at_heads, parse_qr_text, signatures_for};
use crate::error::{Error, Result};
use crate::model::{Expediente, Signature};
use crate::procedure::Procedure;
use crate::signature;
use crate::store::{blobs, keys};
use crate::{Store, time};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "VerifyStatus"))]
pub enum Status {
    Valid,
    ChangedAfterSigning,
    /// Every seal checks out, but one was first received by the server after its key was
    /// revoked (or not yet by the server at all): the office reviews it, with the reason.
    Review,
    Invalid,
}

impl Status {
    /// Worst first: an invalid seal outweighs one to review, which outweighs a change.
    pub fn severity(self) -> u8 {
        match self {
            Status::Valid => 0,
            Status::ChangedAfterSigning => 1,
            Status::Review => 2,
            Status::Invalid => 3,
        }
    }
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
    /// Not valid only because of when the server first received it: for the office to
    /// review (see `reason`), not a forgery.
    pub review: bool,
    /// When the server first received the seal, if this device has heard.
    pub witnessed_at: Option<String>,
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

/// What, if anything, keeps one signature from being valid.
enum Problem {
    None,
    Invalid(String),
    Review(String),
}

/// Why a signature is not valid, naming the signer and the role they signed in.
fn not_valid(c: &SignatureCheck) -> String {
    let (name, role, why) = (
        &c.name,
        brigada_record::procedure::role_name(&c.role),
        c.reason.clone().unwrap_or_default(),
    );
    if c.review {
        msg!("verify.signature_review", name = name, role = role, why = why).to_string()
    } else {
        msg!("verify.signature_not_valid", name = name, role = role, why = why).to_string()
    }
}

/// The signature that is worst off: an invalid one before one to review.
fn worst(checks: &[SignatureCheck]) -> Option<&SignatureCheck> {
    checks.iter().filter(|c| !c.valid).min_by_key(|c| c.review)
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
            review: false,
            witnessed_at: None,
            reason: None,
        };
        match self.signature_problem(d, exp, s, &mut check) {
            Ok(Problem::None) => check.valid = true,
            Ok(Problem::Invalid(why)) => check.reason = Some(why),
            Ok(Problem::Review(why)) => {
                check.review = true;
                check.reason = Some(why);
            }
            Err(e) => check.reason = Some(e.to_string()),
        }
        check
    }

    fn signature_problem(
        &self,
        d: &Automerge,
        exp: &Expediente,
        s: &Signature,
        check: &mut SignatureCheck,
    ) -> Result<Problem> {
        use Problem::Invalid;
        match seal::check(&exp.id, s) {
            Ok(()) => {}
            Err(SealProblem::Malformed) => return Ok(Invalid(msg!("verify.malformed").to_string())),
            Err(SealProblem::BadKey) => return Ok(Invalid(msg!("verify.bad_key").to_string())),
            Err(SealProblem::Mismatch) => return Ok(Invalid(msg!("verify.seal_mismatch").to_string())),
        }
        let witnessed = keys::witnessed(self.conn(), &s.seal)?;
        check.witnessed_at = witnessed.map(time::display_ms);
        // Checked last: a seal to review must pass every other check first.
        let mut review = None;
        match keys::find(self.conn(), &s.device_key)? {
            None => {
                return Ok(Invalid(msg!("verify.key_not_enrolled").to_string()));
            }
            Some(k) => {
                check.key_owner = Some(format!("{} ({})", k.person, k.device_name));
                if let Some(rev) = k.revoked_at {
                    if rev <= s.stamp.at {
                        return Ok(Invalid(
                            msg!(
                                "verify.sealed_after_revocation",
                                device = &k.device_name,
                                at = time::display_ms(rev)
                            )
                            .to_string(),
                        ));
                    }
                    // The signing time is the signer's own clock: a revoked device can set
                    // it back. Only the server's receipt before the revocation settles it.
                    review = match witnessed {
                        Some(seen) if seen < rev => None,
                        Some(seen) => Some(msg!(
                            "verify.witnessed_after_revocation",
                            device = &k.device_name,
                            seen = time::display_ms(seen),
                            at = time::display_ms(rev)
                        )),
                        None => Some(msg!(
                            "verify.unwitnessed_revoked",
                            device = &k.device_name,
                            at = time::display_ms(rev)
                        )),
                    };
                }
                // The Head of Department's signature binds the department: only a device
                // enrolled to the person who holds that post may seal it.
                if s.role == "jefe" && k.role != "jefe" {
                    return Ok(Invalid(
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
                Ok(None) => return Ok(Invalid(missing.to_string())),
                Err(_) => return Ok(Invalid(altered.to_string())),
            }
        }
        let Some(signed) = at_heads(&exp.id, d, &s.heads) else {
            return Ok(Invalid(msg!("verify.version_missing").to_string()));
        };
        if signature::content_hash(&signed) != s.content_hash {
            return Ok(Invalid(msg!("verify.content_mismatch").to_string()));
        }
        Ok(review.map_or(Problem::None, |why| Problem::Review(why.to_string())))
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
        if let Some(bad) = worst(&v.signatures) {
            v.status = if bad.review { Status::Review } else { Status::Invalid };
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
        let (d, exp, proc) = self
            .load_doc(&p.expediente_id)
            .map_err(|_| Error::PaperNotHere(p.expediente_id.clone()))?;
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
        let bad = worst(&v.signatures).cloned();
        (v.status, v.reason) = match (matched, bad) {
            (None, _) => (Status::Invalid, msg!("verify.paper_unknown").to_string()),
            (Some(_), _) if p.draft => (Status::Invalid, msg!("verify.paper_draft").to_string()),
            (Some(_), Some(b)) if b.review => (Status::Review, not_valid(&b)),
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
