//! The sync protocol, version 2: the messages devices and the server exchange.
//! (Version 2: a refusal says why as a catalog message, and a folio already used by
//! another expediente is refused.)
//!
//! One request carries every document the device changed since its last sync; one
//! response carries every document in the device's scope that changed on the server
//! since the device's cursor. Documents travel as Automerge change sets
//! (`save_after(heads)`), so only what the other side lacks crosses the network. The
//! encoding is postcard (compact, stable, length-prefixed bytes), not JSON: binary change
//! sets would grow by a third in base64. See docs/SYNC.md.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::msg;

pub const VERSION: u32 = 2;
pub const CONTENT_TYPE: &str = "application/x-brigada-sync-v1";
/// Largest request or response body. Bigger batches are split by the client.
pub const MAX_BODY: usize = 32 * 1024 * 1024;
/// Largest photo or attachment, on the device and on the server alike.
pub const MAX_BLOB: u64 = 25 * 1024 * 1024;
/// Change-set bytes the client puts in one request before starting another.
pub const BATCH_BYTES: usize = 8 * 1024 * 1024;

/// An Automerge change hash.
pub type Head = [u8; 32];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncRequest {
    pub version: u32,
    /// The server feed position the device has durably absorbed (0 at first sync).
    pub cursor: u64,
    pub docs: Vec<DocPush>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPush {
    pub id: String,
    /// The device's heads after these changes: everything it holds of the document.
    pub heads: Vec<Head>,
    /// Changes the server lacks, as `save_after(heads both sides had)`, or the whole
    /// document when `full` is set.
    #[serde(with = "serde_bytes")]
    pub changes: Vec<u8>,
    pub full: bool,
    /// An Automerge sync-protocol message, when the two sides do not know what they have
    /// in common (then `changes` is empty). See docs/SYNC.md.
    #[serde(with = "serde_bytes")]
    pub sync: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyncResponse {
    pub version: u32,
    /// The feed position this response brings the device to. The device stores it in
    /// the same transaction as the documents below.
    pub cursor: u64,
    pub docs: Vec<DocPull>,
    pub rejected: Vec<Rejection>,
    /// More changed documents are waiting: ask again.
    pub more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocPull {
    pub id: String,
    /// The server's heads for the document after merging what the device sent.
    pub heads: Vec<Head>,
    /// Changes the device lacks (possibly empty).
    #[serde(with = "serde_bytes")]
    pub changes: Vec<u8>,
    /// The server's Automerge sync-protocol reply to a pushed sync message (else empty).
    #[serde(with = "serde_bytes")]
    pub sync: Vec<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum RejectReason {
    /// The document is outside the device's scope (not assigned to it or its sección).
    Forbidden,
    /// The changes depend on changes the server does not have: the device negotiates
    /// what is missing with the Automerge sync protocol.
    NeedFull,
    /// The bytes are not a valid document of a known kind.
    Invalid,
    /// A new expediente whose folio another expediente already has (two devices with the
    /// same folio code): the office must give one of them another folio.
    FolioTaken,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    pub id: String,
    pub reason: RejectReason,
    /// Why, as the device's person will read it (in the device's language).
    pub said: crate::messages::Message,
}

/// First contact: trade a one-time enrolment code for a device token. JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollRequest {
    pub code: String,
    pub device_name: String,
    /// Folio device code chosen at `init` (e.g. T07).
    pub device_code: String,
    /// The device's Ed25519 public key (hex), for signature verification.
    pub public_key: String,
    /// The device's signature (hex) of this request with that key: proof that it holds
    /// the private half, so nobody can enrol someone else's public key as their own.
    #[serde(default)]
    pub proof: String,
    /// The device's Automerge actor (hex): the server accepts new changes from this
    /// device only under this actor, so history shows proven authors. Empty from
    /// devices older than this field (bound at their first push instead).
    #[serde(default)]
    pub actor: String,
}

impl EnrollRequest {
    /// An enrolment request signed with the device's key.
    pub fn signed(
        code: String,
        device_name: String,
        device_code: String,
        actor: String,
        key: &ed25519_dalek::SigningKey,
    ) -> Self {
        use ed25519_dalek::Signer;
        let mut r = EnrollRequest {
            code,
            device_name,
            device_code,
            public_key: hex::encode(key.verifying_key().as_bytes()),
            proof: String::new(),
            actor,
        };
        r.proof = hex::encode(key.sign(&r.statement()).to_bytes());
        r
    }

    /// What the proof signs: the code and the device's identity, so a proof cannot be
    /// reused with another code, name or key.
    fn statement(&self) -> Vec<u8> {
        let mut s = format!(
            "brigada-enroll-v1\n{}\n{}\n{}\n{}",
            self.code, self.device_name, self.device_code, self.public_key
        );
        if !self.actor.is_empty() {
            s.push('\n');
            s.push_str(&self.actor);
        }
        s.into_bytes()
    }

    /// The Automerge actor this request binds (16 bytes as lowercase hex, as Brigada's
    /// devices make them), `None` from an older device; else why not.
    pub fn actor(&self) -> std::result::Result<Option<String>, crate::messages::Message> {
        let a = self.actor.trim();
        if a.is_empty() {
            return Ok(None);
        }
        match hex::decode(a) {
            Ok(b) if b.len() == 16 => Ok(Some(hex::encode(b))),
            _ => Err(msg!("enrol.bad_actor")),
        }
    }

    /// The key this request enrols, once it is a valid Ed25519 key (in lowercase hex) and
    /// the proof shows the sender holds its private half; else why not.
    pub fn proven_key(&self) -> std::result::Result<String, crate::messages::Message> {
        let key: [u8; 32] = hex::decode(self.public_key.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| msg!("enrol.bad_key"))?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| msg!("enrol.bad_key"))?;
        if key.is_weak() {
            return Err(msg!("enrol.bad_key"));
        }
        let proof: [u8; 64] = hex::decode(self.proof.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| msg!("enrol.no_proof"))?;
        key.verify_strict(&self.statement(), &ed25519_dalek::Signature::from_bytes(&proof))
            .map_err(|_| msg!("enrol.no_proof"))?;
        Ok(hex::encode(key.as_bytes()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub device_id: String,
    pub token: String,
    pub person: String,
    pub role: String,
    pub seccion: String,
}

/// A device as the server saw it, for the office (`GET /v1/devices`, JSON; office roles
/// only): who has it, and when it last synced by the server's clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceSeen {
    pub device_id: String,
    pub person: String,
    pub role: String,
    pub seccion: String,
    pub device_name: String,
    /// The code its folios and stamps carry.
    pub device_code: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    pub last_sync_at: Option<i64>,
}

/// An enrolled device's signing key, as the server lists it (`GET /v1/keys`, JSON), so any
/// device can check who sealed a signature and whether the key was valid at that time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceKey {
    pub device_id: String,
    pub person: String,
    pub role: String,
    pub device_name: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    pub enrolled_at: i64,
    pub revoked_at: Option<i64>,
    /// The Automerge actor the device writes with (hex), once the server knows it: the
    /// history names the author of a change from this, not from what the change says.
    #[serde(default)]
    pub actor: Option<String>,
}

/// One signature's seal as the server first received it (`GET /v1/seals?after=SEQ`,
/// JSON): the signing time in a signature is the signer's own clock, so the server's
/// first receipt is the time an office can rely on. A seal first received after its key
/// was revoked is for the office to review, not valid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealSeen {
    /// Position in the server's witness list (ask for those after the last one held).
    pub seq: i64,
    /// The Ed25519 seal, hex, as in the signature.
    pub seal: String,
    /// When the server first received it (ms since the epoch, the server's clock).
    pub first_seen: i64,
}

/// A page of the witness list; `more` when the device should ask again after the last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SealsPage {
    pub seals: Vec<SealSeen>,
    pub more: bool,
}

/// Most seals in one page of the witness list.
pub const MAX_SEALS_PAGE: usize = 5000;

/// `POST /v1/tags` (JSON): reserve `count` consecutive asset-tag numbers for this device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRequest {
    pub count: u32,
}

/// A block of tag numbers that belongs to one device, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRange {
    pub first: u32,
    pub last: u32,
}

/// After the server was restored from a backup, an office device hands back the tag ranges
/// it holds (`POST /v1/tags/held`), so the server never allocates those numbers again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagsHeld {
    pub ranges: Vec<TagRange>,
}

/// What the server made of handed-back ranges.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct TagsKept {
    /// Ranges the server did not have and now keeps for the device.
    pub kept: u32,
    /// Ranges it already had for the device.
    pub known: u32,
    /// Ranges that overlap another's (allocated after the restore before this hand-back):
    /// left out, and logged for the administrator.
    pub clashing: u32,
}

/// Most ranges one hand-back may carry.
pub const MAX_HELD_RANGES: usize = 1000;

/// Most tags one request may reserve (a box of label rolls).
pub const MAX_TAGS_PER_REQUEST: u32 = 10_000;

/// Error body of every 4xx/5xx: a stable code, a sentence for people in the server's
/// language, and the same sentence as a catalog message the device shows in its own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub said: Option<crate::messages::Message>,
}

/// The enrolment QR: `brigada-enroll:URL#CODE`, and `#sha256:FINGERPRINT` when the server
/// uses its own certificate authority (the device trusts only that CA from then on).
pub const ENROL_PREFIX: &str = "brigada-enroll:";

/// What an enrolment QR says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolTarget {
    pub url: String,
    pub code: String,
    /// SHA-256 (hex) of the server's own CA certificate.
    pub ca_fingerprint: Option<String>,
}

impl EnrolTarget {
    /// The QR's text.
    pub fn payload(&self) -> String {
        let mut p = format!("{ENROL_PREFIX}{}#{}", self.url.trim_end_matches('/'), self.code);
        if let Some(fp) = &self.ca_fingerprint {
            p.push_str("#sha256:");
            p.push_str(fp);
        }
        p
    }

    /// Read a QR's text; `None` when it is not an enrolment QR or is damaged.
    pub fn parse(text: &str) -> Option<EnrolTarget> {
        let rest = text.trim().strip_prefix(ENROL_PREFIX)?;
        let mut parts = rest.split('#');
        let (url, code) = (parts.next()?, parts.next()?);
        let ca_fingerprint = match parts.next() {
            None => None,
            Some(p) => {
                let fp = p.strip_prefix("sha256:")?.to_ascii_lowercase();
                if fp.len() != 64 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                Some(fp)
            }
        };
        if parts.next().is_some() || url.is_empty() || code.trim().is_empty() {
            return None;
        }
        Some(EnrolTarget {
            url: url.to_owned(),
            code: code.trim().to_owned(),
            ca_fingerprint,
        })
    }
}

/// SHA-256 (lowercase hex) of the first certificate in `pem`, over its DER bytes (what
/// `openssl x509 -noout -fingerprint -sha256` shows, without colons).
pub fn certificate_fingerprint(pem: &str) -> Option<String> {
    use base64::Engine;
    use sha2::Digest;
    let body = pem
        .split("-----BEGIN CERTIFICATE-----")
        .nth(1)?
        .split("-----END CERTIFICATE-----")
        .next()?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some(hex::encode(sha2::Sha256::digest(&der)))
}

/// Bits of a feed cursor that hold the position in the server's feed; the bits above hold
/// the server's generation, which a restore from backup changes (0 until the first). A
/// device whose cursor is of another generation has been synced against state the server
/// no longer has: the server reads its feed from the start for it, and the device offers
/// everything again (`Store::sync_absorb`).
pub const CURSOR_SEQ_BITS: u32 = 44;

/// The cursor for position `seq` of generation `epoch`.
pub fn cursor(epoch: u32, seq: u64) -> u64 {
    (u64::from(epoch) << CURSOR_SEQ_BITS) | (seq & ((1 << CURSOR_SEQ_BITS) - 1))
}

/// The generation a cursor was handed out in.
pub fn cursor_epoch(cursor: u64) -> u32 {
    (cursor >> CURSOR_SEQ_BITS) as u32
}

/// The feed position of a cursor.
pub fn cursor_seq(cursor: u64) -> u64 {
    cursor & ((1 << CURSOR_SEQ_BITS) - 1)
}

/// Largest server generation (20 bits).
pub const MAX_EPOCH: u32 = (1 << (64 - CURSOR_SEQ_BITS)) - 1;

pub fn encode<T: Serialize>(msg: &T) -> Vec<u8> {
    postcard::to_allocvec(msg).unwrap_or_default()
}

pub fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| Error::InvalidInput(msg!("sync.malformed", detail = e.to_string())))
}

pub fn head_of(h: &automerge::ChangeHash) -> Head {
    h.0
}

pub fn change_hash(h: &Head) -> automerge::ChangeHash {
    automerge::ChangeHash(*h)
}

/// What kind of document an id names: an expediente's UUID (canonical form) or
/// `asset:` + a Brigada tag. `None` for anything else.
pub fn kind_of_id(id: &str) -> Option<crate::model::DocKind> {
    use crate::model::DocKind;
    match id.strip_prefix("asset:") {
        Some(t) => crate::tag::parse(t).filter(|x| x == t).map(|_| DocKind::Asset),
        None => uuid::Uuid::parse_str(id)
            .ok()
            .filter(|u| u.to_string() == id)
            .map(|_| DocKind::Expediente),
    }
}

#[cfg(test)]
mod enrol_target_tests {
    use super::*;

    #[test]
    fn enrolment_qrs_are_read_with_and_without_a_pinned_ca() {
        let plain = EnrolTarget::parse("brigada-enroll:http://127.0.0.1:8787#ABCD-EFGH").unwrap();
        assert_eq!(plain.url, "http://127.0.0.1:8787");
        assert_eq!(plain.code, "ABCD-EFGH");
        assert_eq!(plain.ca_fingerprint, None);
        let fp = "AB".repeat(32);
        let pinned = EnrolTarget {
            url: "https://10.0.0.5:8787/".into(),
            code: "WXYZ-2345".into(),
            ca_fingerprint: Some(fp.to_lowercase()),
        };
        let text = pinned.payload();
        assert_eq!(
            text,
            format!(
                "brigada-enroll:https://10.0.0.5:8787#WXYZ-2345#sha256:{}",
                fp.to_lowercase()
            )
        );
        let back = EnrolTarget::parse(&text).unwrap();
        assert_eq!(back.url, "https://10.0.0.5:8787");
        assert_eq!(back.ca_fingerprint, pinned.ca_fingerprint);
        // A fingerprint copied in capitals (as openssl prints it) is the same pin.
        let typed = EnrolTarget::parse(&format!("brigada-enroll:https://x#CODE#sha256:{fp}")).unwrap();
        assert_eq!(typed.ca_fingerprint, Some(fp.to_lowercase()));
        for damaged in [
            "brigada-enroll:https://x#",
            "brigada-enroll:https://x#CODE#sha256:abc",
            "brigada-enroll:https://x#CODE#md5:00",
            "brigada-enroll:https://x#CODE#sha256:{}#more",
            "otra-cosa:https://x#CODE",
        ] {
            assert_eq!(EnrolTarget::parse(damaged), None, "{damaged}");
        }
    }

    #[test]
    fn a_certificate_fingerprint_is_the_sha256_of_its_der() {
        use base64::Engine;
        use sha2::Digest;
        let der = b"not really a certificate, but DER bytes all the same";
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let pem = format!(
            "-----BEGIN CERTIFICATE-----\n{}\n{}\n-----END CERTIFICATE-----\n",
            &b64[..40],
            &b64[40..]
        );
        assert_eq!(
            certificate_fingerprint(&pem),
            Some(hex::encode(sha2::Sha256::digest(der)))
        );
        assert_eq!(certificate_fingerprint("no pem here"), None);
    }
}
