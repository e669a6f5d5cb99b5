//! Storage behind a trait: the embedded SQLite (the default, one instance) and PostgreSQL
//! (several instances sharing one database).
//!
//! [`Storage`] is what the HTTP layer calls: devices, and one sync exchange as a unit.
//! [`DocRepo`] is what the sync algorithm ([`crate::sync`]) needs inside one transaction:
//! documents, their scope metadata, the change feed and what each device holds. An
//! implementation opens a transaction, hands a `DocRepo` over it to
//! [`crate::sync::exchange`], and commits before anything is sent back — nothing is
//! acknowledged before it is durable.

pub mod blobs;
pub mod postgres;
pub mod s3;
pub mod sqlite;

use std::collections::HashMap;

use automerge::Automerge;
use brigada_record::msg;
use brigada_record::protocol::{Head, SyncRequest, SyncResponse, TagRange, TagsKept};

use crate::devices::{Device, Role};
use crate::error::{Result, ServerError};

/// Times given as `now` are the instance's clock; PostgreSQL stamps by the database's
/// instead (one clock for every instance: one set wrong cannot backdate a record), but for
/// a revocation, which the administrator dates.
pub trait Storage: Send + Sync + 'static {
    /// Create a device for a person; returns it (not yet enrolled).
    fn add_device(&self, person: &str, role: Role, seccion: &str, code_hash: &str, expires_at: i64) -> Result<Device>;
    /// Trade an enrolment code (hashed) for a token (hashed). One use per code.
    fn enroll(&self, code_hash: &str, e: &Enrolment, token_hash: &str, now: i64) -> Result<Device>;
    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>>;
    fn devices(&self) -> Result<Vec<Device>>;
    /// Returns false when there is no such device.
    fn revoke(&self, id: &str, now: i64) -> Result<bool>;
    /// The server's witness list of seals after position `after`, oldest first.
    fn seals(&self, after: i64, limit: usize) -> Result<Vec<brigada_record::protocol::SealSeen>>;
    /// One sync exchange, durable before it returns.
    fn sync(&self, device: &Device, req: &SyncRequest) -> Result<SyncResponse>;
    /// May this device read or upload this blob: does a document in its scope reference it?
    fn blob_visible(&self, device: &Device, hash: &str) -> Result<bool>;
    /// Reserve the next `count` asset-tag numbers for this device, durably, so no two
    /// devices ever print the same tag. Fails when the number space is used up.
    fn allocate_tags(&self, device: &Device, count: u32, now: i64) -> Result<TagRange>;
    /// Keep ranges an office device says it holds (after a restore), those that overlap no
    /// other; the server allocates after them from then on.
    fn keep_tag_ranges(
        &self,
        device: &Device,
        ranges: &[TagRange],
        now: i64,
    ) -> Result<brigada_record::protocol::TagsKept>;
}

pub struct Enrolment {
    pub device_name: String,
    pub device_code: String,
    pub public_key: String,
    pub actor: Option<String>,
}

/// A device that already holds something an enrolling device claims.
pub struct Holder {
    pub person: String,
    pub device_name: Option<String>,
}

/// What an enrolling device claims and who else already holds it, as each backend finds
/// them: its signing key (another active device's), its folio code (another device's,
/// revoked ones included: their folios exist) and its Automerge actor (another tablet's).
/// The same tablet enrolling again proves itself with the same key, which the backends'
/// queries leave out.
pub struct Holders {
    pub key: Option<Holder>,
    pub code: Option<Holder>,
    pub actor: Option<Holder>,
}

impl Holders {
    pub fn check(self, e: &Enrolment) -> Result<()> {
        if let Some(h) = self.key {
            return Err(ServerError::Conflict(msg!(
                "server.key_taken",
                device = h.device_name.unwrap_or_default(),
                person = h.person
            )));
        }
        if let Some(h) = self.code {
            return Err(ServerError::Conflict(msg!(
                "server.device_code_taken",
                code = &e.device_code,
                device = h.device_name.unwrap_or_default(),
                person = h.person
            )));
        }
        if let Some(h) = self.actor {
            return Err(ServerError::Conflict(msg!(
                "server.actor_taken",
                device = h.device_name.unwrap_or_default(),
                person = h.person
            )));
        }
        Ok(())
    }
}

/// The next block of `count` asset-tag numbers after `allocated` (the highest number any
/// range reached). Tags registered by hand above it (old stickers, `registered`) are never
/// handed out again: a block that would hold one starts after it instead, so one mistyped
/// high sticker costs a gap, not the numbers below it. Fails when the number space is
/// used up.
pub fn next_tag_block(allocated: u32, mut registered: Vec<u32>, count: u32) -> Result<TagRange> {
    registered.retain(|n| *n > allocated);
    registered.sort_unstable();
    let count = count.max(1);
    let mut first = allocated + 1;
    loop {
        let last = first.saturating_add(count - 1);
        if last > brigada_record::tag::MAX_NUMBER {
            let left = brigada_record::tag::MAX_NUMBER
                .saturating_sub(allocated)
                .saturating_sub(registered.len() as u32);
            return Err(ServerError::Forbidden(msg!(
                "server.tags_exhausted",
                left = left,
                max = brigada_record::tag::MAX_NUMBER
            )));
        }
        match registered.iter().rev().find(|n| (first..=last).contains(*n)) {
            Some(taken) => first = taken + 1,
            None => return Ok(TagRange { first, last }),
        }
    }
}

/// Count one handed-back range `r` against the ranges it `overlapping` (first, last,
/// device); true when it overlaps none and is to be kept.
pub fn classify_kept(kept: &mut TagsKept, overlapping: &[(u32, u32, String)], r: &TagRange, device: &Device) -> bool {
    match overlapping {
        [] => {
            kept.kept += 1;
            true
        }
        [(f, l, d)] if *f == r.first && *l == r.last && *d == device.id => {
            kept.known += 1;
            false
        }
        _ => {
            tracing::warn!(device = %device.id, first = r.first, last = r.last, "a handed-back tag range overlaps another");
            kept.clashing += 1;
            false
        }
    }
}

pub use brigada_record::DocKind;

/// What the server reads out of a document to decide who may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct DocMeta {
    pub kind: DocKind,
    pub seccion: String,
    pub assignees: Vec<String>,
    /// The device that first sent it: documents created in the field enter their
    /// creator's scope.
    pub creator_device: String,
    /// Blobs (photos, signatures) the document references.
    pub blobs: Vec<String>,
    /// An expediente's folio (one expediente per folio on a server).
    pub folio: Option<String>,
}

/// Who a device may read and write.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Tecnico {
        device_id: String,
        person: String,
        seccion: String,
    },
}

impl Scope {
    pub fn of(d: &Device) -> Scope {
        match d.role {
            Role::Oficina | Role::Jefe | Role::Admin => Scope::All,
            Role::Tecnico => Scope::Tecnico {
                device_id: d.id.clone(),
                person: d.person.clone(),
                seccion: d.seccion.clone(),
            },
        }
    }

    pub fn allows(&self, m: &DocMeta) -> bool {
        match self {
            Scope::All => true,
            // Equipment records are shared by every técnico: any of them may scan any tag.
            Scope::Tecnico { .. } if m.kind == DocKind::Asset => true,
            Scope::Tecnico {
                device_id,
                person,
                seccion,
            } => {
                (!seccion.is_empty() && &m.seccion == seccion)
                    || &m.creator_device == device_id
                    || m.assignees.iter().any(|a| a == person)
            }
        }
    }
}

/// The sync algorithm's view of storage, inside one transaction.
pub trait DocRepo {
    /// The documents (and what `device` holds of them) the exchange is about to ask
    /// about: a backend for which each question is a round trip reads them all at once.
    fn prefetch(&mut self, _device: &str, _ids: &[&str]) -> Result<()> {
        Ok(())
    }
    fn load(&mut self, id: &str) -> Result<Option<Automerge>>;
    fn meta(&mut self, id: &str) -> Result<Option<DocMeta>>;
    /// The expediente other than `id` that has `folio`, if any.
    fn folio_holder(&mut self, folio: &str, id: &str) -> Result<Option<String>>;
    /// [`DocRepo::folio_holder`] for several (folio, id) pairs: each folio held by an
    /// expediente other than its id, with that expediente.
    fn folio_holders(&mut self, wanted: &[(&str, &str)]) -> Result<HashMap<String, String>> {
        let mut held = HashMap::new();
        for (folio, id) in wanted {
            if let Some(holder) = self.folio_holder(folio, id)? {
                held.insert((*folio).to_owned(), holder);
            }
        }
        Ok(held)
    }
    /// Whether tag `number` lies in a range the server allocated.
    fn tag_allocated(&mut self, number: u32) -> Result<bool>;
    /// Bind `actor` to a device enrolled before devices said their actor, if no other
    /// device holds it. False when another does.
    fn bind_actor(&mut self, device: &str, actor: &str) -> Result<bool>;
    /// The person and device name of the device that writes under `actor`.
    fn actor_device(&mut self, actor: &str) -> Result<Option<(String, String)>>;
    /// Store a document for the first time, or the changes `added` since the stored
    /// version; record its metadata and move it to the head of the feed (at the latest
    /// when the transaction commits).
    fn store(&mut self, id: &str, doc: &Automerge, added: Option<&[u8]>, meta: &DocMeta) -> Result<()>;
    /// Documents in `scope` whose feed position is after `cursor`, oldest first.
    fn feed(&mut self, cursor: u64, scope: &Scope, limit: usize) -> Result<Vec<(String, u64)>>;
    fn max_seq(&mut self) -> Result<u64>;
    /// Record that this device delivered these seals at `now`, unless already witnessed
    /// (the first receipt counts).
    fn witness_seals(&mut self, device: &str, seals: &[&str], now: i64) -> Result<()>;
    /// The server's generation: 0 until a restore from backup, then another each time.
    fn epoch(&mut self) -> Result<u32>;
    /// Heads this device is known to hold.
    fn device_heads(&mut self, device: &str, id: &str) -> Result<Option<Vec<Head>>>;
    fn set_device_heads(&mut self, device: &str, id: &str, heads: &[Head]) -> Result<()>;
    /// Heads sent to the device in a response that brings it to `cursor`; they become
    /// known once the device comes back with a cursor at least that far.
    fn set_pending(&mut self, device: &str, id: &str, heads: &[Head], cursor: u64) -> Result<()>;
    fn confirm_pending(&mut self, device: &str, cursor: u64) -> Result<()>;
}

pub fn pack(heads: &[Head]) -> Vec<u8> {
    heads.concat()
}

pub fn unpack(bytes: &[u8]) -> Vec<Head> {
    bytes
        .chunks_exact(32)
        .filter_map(|c| <Head>::try_from(c).ok())
        .collect()
}
