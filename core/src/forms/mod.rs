//! Official documents: what each paper says, at which version, and whether it can be
//! trusted.
//!
//! A document is printed from the expediente *as it was when its signatures sealed it*
//! (the heads of its last signature), so the paper shows exactly what was signed even if
//! the job went on afterwards; when the signed content was edited later the paper says so,
//! and the current content can only be printed as an unsigned draft. Every page carries a
//! verification code (in a QR and in text) derived from the printed content and the seals:
//! reading it back against the store tells whether a paper matches the signed record.

pub mod batch;
pub mod content;
pub mod verify;
pub mod wording;

use automerge::{Automerge, ChangeHash};
use brigada_record::msg;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::model::{Expediente, Signature};
use crate::procedure::{DocumentKind, Procedure};
use crate::signature::Strokes;
use crate::store::blobs;
use crate::{Store, doc, time};

pub use content::Body;

/// Text a verification QR holds: `brigada-doc:v1:<expediente id>:<kind>:<s|b>:<code>`
/// (`s` signed version, `b` borrador / unsigned draft).
pub const CODE_PREFIX: &str = "brigada-doc:v1:";

#[derive(Debug, Clone, Serialize)]
pub struct Signer {
    pub id: String,
    pub role: String,
    pub name: String,
    pub at: i64,
    pub device: String,
    /// The strokes to draw; `None` when they have not arrived yet or fail their hash.
    pub strokes: Option<Strokes>,
    /// This signer sealed an earlier version than the one printed.
    pub earlier_version: bool,
}

/// Equipment details from the inventory, as known when printing.
#[derive(Debug, Clone, Serialize)]
pub struct EquipmentRow {
    pub tag: String,
    pub kind: String,
    pub brand: String,
    pub model: String,
    pub serial: String,
    pub inventory_number: String,
    /// Unidad, área and room, as the register has them ("" when the tag is not registered).
    pub location: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub body: Body,
    pub kind: DocumentKind,
    /// The date printed: of the last signature, else when the document was issued.
    pub fecha: String,
    /// Where it is signed: the municipio of the unidad ("Tuxpan").
    pub lugar: String,
    pub fecha_ms: i64,
    pub draft: bool,
    pub signers: Vec<Signer>,
    /// Roles the procedure asks for that nobody has signed yet (blank lines on paper).
    pub missing_roles: Vec<String>,
    /// Who prepared it (the expediente's técnico).
    pub elaboro: String,
    pub equipment: Vec<EquipmentRow>,
    /// Set when the expediente's content for this document changed after signing.
    pub changed_after_signing: Option<String>,
    /// The verification QR's text, and the code people can type.
    pub code: String,
    pub short_code: String,
}

/// A document an expediente has produced (or will), for listing.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FormInfo {
    pub kind: DocumentKind,
    pub title: String,
    pub issued: bool,
    pub signatures: usize,
}

pub fn parse_kind(text: &str) -> Result<DocumentKind> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_lowercase())).map_err(|_| Error::InvalidField {
        field: msg!("field.document").to_string(),
        why: msg!(
            "document.unknown_kind",
            text = text.trim(),
            kinds = ALL_KINDS.iter().map(|k| k.slug()).collect::<Vec<_>>().join(", ")
        ),
    })
}

pub const ALL_KINDS: [DocumentKind; 10] = [
    DocumentKind::JustificacionInviabilidad,
    DocumentKind::JustificacionTecnica,
    DocumentKind::DictamenTecnico,
    DocumentKind::Tarjeta,
    DocumentKind::FormatoInstalacionVozDatos,
    DocumentKind::FormatoRf01,
    DocumentKind::FormatoControlActividades,
    DocumentKind::FormatoServicioEquipo,
    DocumentKind::FormatoRespaldoBd,
    DocumentKind::ReporteCierreSeguimiento,
];

/// Signatures that belong on a `kind` document, oldest first.
pub fn signatures_for<'a>(exp: &'a Expediente, proc: &Procedure, kind: DocumentKind) -> Vec<&'a Signature> {
    let mut sigs: Vec<&Signature> = exp
        .signatures
        .iter()
        .filter(|s| s.step.as_deref().is_some_and(|st| proc.signature_on(st, &s.role, kind)))
        .collect();
    sigs.sort_by(|a, b| (a.stamp.at, &a.id).cmp(&(b.stamp.at, &b.id)));
    sigs
}

pub fn parse_heads(heads: &[String]) -> Option<Vec<ChangeHash>> {
    heads.iter().map(|h| h.parse().ok()).collect()
}

/// The expediente as it was at `heads`, if this copy holds that version.
pub fn at_heads(id: &str, d: &Automerge, heads: &[String]) -> Option<Expediente> {
    let hashes = parse_heads(heads)?;
    let forked = d.fork_at(&hashes).ok()?;
    doc::read(id, &forked).ok()
}

/// The verification code of a printed version: its body and the seals on it.
pub fn version_code(body: &Body, seals: &[&str], draft: bool) -> String {
    let json = serde_json::to_vec(&(body, seals, draft)).unwrap_or_default();
    hex::encode(&Sha256::digest(json)[..8])
}

pub fn qr_text(exp_id: &str, kind: DocumentKind, draft: bool, code: &str) -> String {
    format!(
        "{CODE_PREFIX}{exp_id}:{}:{}:{code}",
        kind.slug(),
        if draft { "b" } else { "s" }
    )
}

/// `0123-4567-89ab-cdef`.
pub fn short_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).to_uppercase())
        .collect::<Vec<_>>()
        .join("-")
}

/// A parsed verification QR.
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    pub expediente_id: String,
    pub kind: DocumentKind,
    pub draft: bool,
    pub code: String,
}

pub fn parse_qr_text(text: &str) -> Option<Printed> {
    let rest = text.trim().strip_prefix(CODE_PREFIX)?;
    let mut parts = rest.split(':');
    let (id, kind, flag, code) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || code.len() != 16 || !code.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(Printed {
        expediente_id: uuid::Uuid::parse_str(id).ok()?.to_string(),
        kind: parse_kind(kind).ok()?,
        draft: match flag {
            "s" => false,
            "b" => true,
            _ => return None,
        },
        code: code.to_ascii_lowercase(),
    })
}

impl Store {
    /// The documents an expediente has issued, and those its procedure can still produce.
    pub fn forms(&self, r: &str) -> Result<Vec<FormInfo>> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        // A finished job lists only what it issued: a branch it never took is not pending.
        let finished = crate::procedure::engine::status(proc, &exp, chrono::Utc::now()).state == "terminado";
        let mut out = Vec::new();
        for kind in ALL_KINDS {
            if proc.steps_for_document(kind).is_empty() {
                continue;
            }
            let issued = exp.documents.iter().any(|x| x.kind == kind.slug());
            if finished && !issued {
                continue;
            }
            out.push(FormInfo {
                kind,
                title: kind.title().to_owned(),
                issued,
                signatures: signatures_for(&exp, proc, kind).len(),
            });
        }
        self.keep_doc(&id, d, exp);
        Ok(out)
    }

    /// The `kind` document of an expediente as it should be printed: the signed version,
    /// or (`draft`) the current content without signatures.
    pub fn form(&self, r: &str, kind: DocumentKind, draft: bool) -> Result<Form> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        let out = self.form_of(&d, &exp, proc, kind, draft, None);
        self.keep_doc(&id, d, exp);
        out
    }

    /// Build a form; `upto` limits the signatures considered to the first n (to find which
    /// signed version an older paper shows).
    pub(crate) fn form_of(
        &self,
        d: &Automerge,
        exp: &Expediente,
        proc: &Procedure,
        kind: DocumentKind,
        draft: bool,
        upto: Option<usize>,
    ) -> Result<Form> {
        if proc.steps_for_document(kind).is_empty() {
            return Err(Error::InvalidField {
                field: msg!("field.document").to_string(),
                why: msg!(
                    "document.not_produced_by",
                    procedure = &proc.id,
                    document = kind.title(),
                    folio = &exp.folio
                ),
            });
        }
        let mut sigs = signatures_for(exp, proc, kind);
        if let Some(n) = upto {
            sigs.truncate(n);
        }
        let issued = exp
            .documents
            .iter()
            .filter(|x| x.kind == kind.slug())
            .map(|x| x.stamp.at)
            .max();
        if !draft && sigs.is_empty() && issued.is_none() {
            return Err(Error::InvalidInput(msg!(
                "document.not_yet",
                folio = &exp.folio,
                document = kind.title()
            )));
        }
        let last = sigs.last().copied().filter(|_| !draft);
        // The version printed: the one the last signature sealed.
        let (shown, cutoff) = match last {
            Some(s) => {
                let at = at_heads(&exp.id, d, &s.heads).ok_or_else(|| brigada_record::Error::BadDocument {
                    id: exp.id.clone(),
                    detail: msg!("document.signed_version_missing", signer = &s.name),
                })?;
                (at, Some(s.stamp.at))
            }
            None => (exp.clone(), None),
        };
        let body = content::body(&shown, proc, kind, cutoff);
        let mut signers = Vec::new();
        if !draft {
            for s in &sigs {
                let earlier = s.heads != last.map(|l| l.heads.clone()).unwrap_or_default()
                    && at_heads(&exp.id, d, &s.heads)
                        .map(|e| content::body(&e, proc, kind, cutoff))
                        .as_ref()
                        != Some(&body);
                signers.push(Signer {
                    id: s.id.clone(),
                    role: s.role.clone(),
                    name: s.name.clone(),
                    at: s.stamp.at,
                    device: s.stamp.device.clone(),
                    strokes: blobs::get(self.conn(), &s.strokes_blob)
                        .ok()
                        .flatten()
                        .and_then(|(b, _)| Strokes::parse(&b).ok()),
                    earlier_version: earlier,
                });
            }
        }
        let changed_after_signing = match last {
            Some(s) if content::body(exp, proc, kind, cutoff) != body => Some(format!(
                "El expediente cambió después de la firma del {}: este documento muestra la versión firmada. \
                 La versión actual solo puede imprimirse como borrador sin firmas.",
                time::display_ms(s.stamp.at)
            )),
            _ => None,
        };
        let missing_roles: Vec<String> = proc
            .roles_for_document(kind)
            .into_iter()
            .filter(|r| !signers.iter().any(|s| s.role == *r))
            .map(str::to_owned)
            .collect();
        let seals: Vec<&str> = if draft {
            vec![]
        } else {
            sigs.iter().map(|s| s.seal.as_str()).collect()
        };
        let code = version_code(&body, &seals, draft);
        let fecha_ms = last.map(|s| s.stamp.at).or(issued).unwrap_or_else(time::now_ms);
        Ok(Form {
            kind,
            fecha: wording::long_date_ms(fecha_ms),
            lugar: wording::place(&body.unidad),
            fecha_ms,
            draft,
            elaboro: exp.assignees.first().cloned().unwrap_or_else(|| exp.created_by.clone()),
            equipment: body
                .equipment
                .iter()
                .map(|t| match self.asset(t) {
                    Ok(a) => {
                        let l = &a.location;
                        let piso = (!l.piso.trim().is_empty()).then(|| format!("piso {}", l.piso.trim()));
                        let location = [
                            Some(&l.unidad),
                            Some(&l.area),
                            Some(&l.edificio),
                            piso.as_ref(),
                            Some(&l.sala),
                        ]
                        .into_iter()
                        .flatten()
                        .map(|x| x.trim())
                        .filter(|x| !x.is_empty())
                        .collect::<Vec<_>>()
                        .join(", ");
                        EquipmentRow {
                            tag: t.clone(),
                            kind: wording::asset_kind(&a.kind).to_owned(),
                            brand: a.brand,
                            model: a.model,
                            serial: a.serial,
                            inventory_number: a.inventory_number,
                            location,
                        }
                    }
                    Err(_) => EquipmentRow {
                        tag: t.clone(),
                        kind: String::new(),
                        brand: String::new(),
                        model: String::new(),
                        serial: String::new(),
                        inventory_number: String::new(),
                        location: String::new(),
                    },
                })
                .collect(),
            short_code: short_code(&code),
            code: qr_text(&exp.id, kind, draft, &code),
            body,
            signers,
            missing_roles,
            changed_after_signing,
        })
    }

    /// Every document an expediente has issued (signed versions), in procedure order.
    pub fn issued_forms(&self, r: &str) -> Result<Vec<Form>> {
        let id = self.resolve_ref(r)?;
        let (d, exp, proc) = self.load_doc(&id)?;
        let mut out = Vec::new();
        for kind in ALL_KINDS {
            let issued = exp.documents.iter().any(|x| x.kind == kind.slug());
            if issued || !signatures_for(&exp, proc, kind).is_empty() {
                match self.form_of(&d, &exp, proc, kind, false, None) {
                    Ok(f) => out.push(f),
                    Err(e) => {
                        self.keep_doc(&id, d, exp);
                        return Err(e);
                    }
                }
            }
        }
        self.keep_doc(&id, d, exp);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_text_round_trips_and_rejects_lookalikes() {
        let id = "0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f";
        let t = qr_text(id, DocumentKind::Tarjeta, false, "0123456789abcdef");
        let p = parse_qr_text(&t).unwrap();
        assert_eq!(p.expediente_id, id);
        assert_eq!(p.kind, DocumentKind::Tarjeta);
        assert!(!p.draft);
        for bad in [
            "brigada-doc:v1:nope:tarjeta:s:0123456789abcdef",
            "brigada-doc:v1:0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f:tarjeta:x:0123456789abcdef",
            "brigada-doc:v1:0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f:carta:s:0123456789abcdef",
            "brigada-doc:v1:0192f0c4-1a2b-7c3d-8e4f-5a6b7c8d9e0f:tarjeta:s:0123",
            "SESVER:DTI:ACT:000001",
        ] {
            assert!(parse_qr_text(bad).is_none(), "{bad}");
        }
        assert_eq!(short_code("0123456789abcdef"), "0123-4567-89AB-CDEF");
    }
}
