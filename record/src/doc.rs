//! Automerge documents: typed reads and writes, and the audit trail.
//!
//! Every write is one Automerge change whose message records who made it, on which device
//! and what it was ("step 3 = si"), and whose time is the device clock in milliseconds.
//! The change history is therefore the audit log; nothing else records it twice.

use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, Change, ChangeHash};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::messages::Message;
use crate::msg;

/// Who is writing: the person, their device, and the device's Automerge actor.
#[derive(Debug, Clone)]
pub struct Author {
    pub person: String,
    pub device_code: String,
    pub actor: ActorId,
}

/// What one change says about itself (its Automerge message, as JSON).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChangeNote {
    pub by: String,
    pub device: String,
    pub action: String,
}

/// One entry of an expediente's history.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    pub hash: String,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
    pub actor: String,
    pub by: String,
    pub device: String,
    /// As the change recorded it (`paso 3 = si`): kept as written, for programs.
    pub action: String,
    /// The action in words, in the reader's language (filled by the store that reads it).
    pub words: String,
    /// `by` and `device` name the device that owns the change's actor (the server accepts
    /// a change only from it); false while they are only what the change says of itself.
    pub proven: bool,
}

pub fn new_doc(author: &Author) -> Automerge {
    Automerge::new().with_actor(author.actor.clone())
}

/// Run one Automerge decode of outside bytes. Its decoder can panic on some malformed
/// input (an `unwrap` in its column decoder, found by fuzzing): that is contained and
/// reported like any other malformed document, never taking the process down.
fn decode<T, E: std::fmt::Display>(id: &str, f: impl FnOnce() -> std::result::Result<T, E>) -> Result<T> {
    let bad = |detail: Message| Error::BadDocument {
        id: id.to_owned(),
        detail,
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(|e| bad(msg!("document.undecodable", detail = e.to_string()))),
        Err(_) => Err(bad(msg!("document.malformed"))),
    }
}

/// A document from outside (an import, a test fixture): its bytes pre-checked
/// ([`crate::chunks`]), then decoded contained.
pub fn load(id: &str, snapshot: &[u8], changes: &[Vec<u8>]) -> Result<Automerge> {
    crate::chunks::check(id, snapshot)?;
    for c in changes {
        crate::chunks::check(id, c)?;
    }
    load_stored(id, snapshot, changes)
}

/// A document as this store keeps it: its bytes were checked when they arrived (or were
/// written here), so opening it — the hot path — does not inflate them twice.
pub fn load_stored(id: &str, snapshot: &[u8], changes: &[Vec<u8>]) -> Result<Automerge> {
    let mut doc = if snapshot.is_empty() {
        Automerge::new()
    } else {
        decode(id, || Automerge::load(snapshot))?
    };
    for c in changes {
        decode(id, || doc.load_incremental(c))?;
    }
    Ok(doc)
}

/// Apply one Automerge sync-protocol message from elsewhere (a device's to the server, the
/// server's to a device): decoded, its changes pre-checked like any other bytes from
/// outside, a decoder panic contained. On error `doc` must be discarded.
pub fn receive_sync(id: &str, doc: &mut Automerge, state: &mut automerge::sync::State, bytes: &[u8]) -> Result<()> {
    use automerge::sync::SyncDoc;
    let message = decode(id, || automerge::sync::Message::decode(bytes))?;
    for chunk in message.changes.iter() {
        crate::chunks::check(id, chunk)?;
    }
    decode(id, || doc.receive_sync_message(state, message))
}

/// Apply changes received from elsewhere; on error `doc` must be discarded.
pub fn load_changes(id: &str, doc: &mut Automerge, bytes: &[u8]) -> Result<()> {
    crate::chunks::check(id, bytes)?;
    decode(id, || doc.load_incremental(bytes)).map(|_| ())
}

pub fn read<T: Hydrate>(id: &str, doc: &Automerge) -> Result<T> {
    autosurgeon::hydrate(&TextAsString(doc)).map_err(|e| Error::BadDocument {
        id: id.to_owned(),
        detail: msg!("document.unexpected_shape", detail = e.to_string()),
    })
}

/// Write `value` into `doc` as one change stamped with `author`, `action` and `at_ms`.
/// Returns the encoded change, or `None` when the value was already the document's.
pub fn write<T: Reconcile>(
    doc: &mut Automerge,
    value: &T,
    author: &Author,
    action: &str,
    at_ms: i64,
) -> Result<Option<Change>> {
    write_with(doc, author, action, at_ms, |tx| autosurgeon::reconcile(tx, value))
}

/// Like [`write`], with the edit given as a function of the transaction (for partial
/// reconciles).
pub fn write_with(
    doc: &mut Automerge,
    author: &Author,
    action: &str,
    at_ms: i64,
    f: impl FnOnce(&mut Transaction<'_>) -> std::result::Result<(), autosurgeon::ReconcileError>,
) -> Result<Option<Change>> {
    doc.set_actor(author.actor.clone());
    let before = doc.get_heads();
    let note = ChangeNote {
        by: author.person.clone(),
        device: author.device_code.clone(),
        action: action.to_owned(),
    };
    let message = serde_json::to_string(&note).unwrap_or_default();
    doc.transact_with(|_| CommitOptions::default().with_message(message).with_time(at_ms), f)
        .map_err(|f| Error::InvalidInput(msg!("document.write_failed", detail = f.error.to_string())))?;
    if doc.get_heads() == before {
        return Ok(None);
    }
    Ok(doc.get_last_local_change())
}

pub fn history(doc: &Automerge) -> Vec<HistoryEntry> {
    let mut out: Vec<HistoryEntry> = doc
        .get_changes(&[])
        .into_iter()
        .map(|c| {
            let note: Option<ChangeNote> = c.message().and_then(|m| serde_json::from_str(m).ok());
            let note = note.unwrap_or_else(|| ChangeNote {
                by: String::new(),
                device: String::new(),
                action: c.message().unwrap_or("").to_owned(),
            });
            HistoryEntry {
                hash: c.hash().to_string(),
                at: c.timestamp(),
                actor: c.actor_id().to_hex_string(),
                by: note.by,
                device: note.device,
                action: note.action,
                words: String::new(),
                proven: false,
            }
        })
        .collect();
    out.sort_by(|a, b| (a.at, &a.hash).cmp(&(b.at, &b.hash)));
    out
}

pub fn heads_hex(doc: &Automerge) -> Vec<String> {
    let mut h: Vec<String> = doc.get_heads().iter().map(ChangeHash::to_string).collect();
    h.sort();
    h
}

/// A document as hydration sees it: collaborative text (`ObjType::Text`) where a string is
/// expected reads as that string. Brigada writes plain strings, but any Automerge client
/// may edit an expediente, and the official JavaScript library writes text objects by
/// default; their edits must open like anyone else's, not as a damaged document.
struct TextAsString<'a>(&'a Automerge);

impl autosurgeon::ReadDoc for TextAsString<'_> {
    type Parents<'b>
        = automerge::Parents<'b>
    where
        Self: 'b;

    fn get_heads(&self) -> Vec<ChangeHash> {
        self.0.get_heads()
    }

    fn get<P: Into<automerge::Prop>>(
        &self,
        obj: &automerge::ObjId,
        prop: P,
    ) -> std::result::Result<Option<(automerge::Value<'_>, automerge::ObjId)>, automerge::AutomergeError> {
        use automerge::{ObjType, ReadDoc, ScalarValue, Value};
        match ReadDoc::get(self.0, obj, prop)? {
            Some((Value::Object(ObjType::Text), id)) => {
                let text = ReadDoc::text(self.0, &id)?;
                Ok(Some((
                    Value::Scalar(std::borrow::Cow::Owned(ScalarValue::Str(text.into()))),
                    id,
                )))
            }
            other => Ok(other),
        }
    }

    fn object_type<O: AsRef<automerge::ObjId>>(&self, obj: O) -> Option<automerge::ObjType> {
        autosurgeon::ReadDoc::object_type(self.0, obj)
    }

    fn map_range<'b, O: AsRef<automerge::ObjId>, R: std::ops::RangeBounds<String> + 'b>(
        &'b self,
        obj: O,
        range: R,
    ) -> automerge::iter::MapRange<'b> {
        autosurgeon::ReadDoc::map_range(self.0, obj, range)
    }

    fn list_range<O: AsRef<automerge::ObjId>, R: std::ops::RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> automerge::iter::ListRange<'_> {
        autosurgeon::ReadDoc::list_range(self.0, obj, range)
    }

    fn length<O: AsRef<automerge::ObjId>>(&self, obj: O) -> usize {
        autosurgeon::ReadDoc::length(self.0, obj)
    }

    fn text<O: AsRef<automerge::ObjId>>(&self, obj: O) -> std::result::Result<String, automerge::AutomergeError> {
        autosurgeon::ReadDoc::text(self.0, obj)
    }

    fn parents<O: AsRef<automerge::ObjId>>(
        &self,
        obj: O,
    ) -> std::result::Result<Self::Parents<'_>, automerge::AutomergeError> {
        autosurgeon::ReadDoc::parents(self.0, obj)
    }

    fn is_empty(&self) -> bool {
        autosurgeon::ReadDoc::is_empty(self.0)
    }
}
