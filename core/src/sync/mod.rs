//! Sync, client side: a sans-IO engine over the local store, and its transports.
//!
//! The engine never touches the network. [`Store::sync_plan`] turns what changed locally
//! into a [`protocol::SyncRequest`]; [`Store::sync_absorb`] applies a
//! [`protocol::SyncResponse`] in one transaction (documents, index, sync state and the
//! server cursor together, so a crash mid-sync loses nothing and repeats nothing).
//! [`Store::sync_with`] drives the two over any [`Transport`]: HTTP ([`http`]) in the
//! field, in-memory in the tests. Every request is safe to repeat: Automerge ignores
//! changes it already has, and the cursor only moves once what it covers is on disk.

pub mod blobs;
#[cfg(feature = "net")]
pub mod http;
pub mod lend;
pub use brigada_record::protocol;

use automerge::sync::SyncDoc;
use automerge::{Automerge, ReadDoc};
use brigada_record::msg;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{Asset, Expediente};
use crate::procedure::{self, engine};
use crate::store::documents::{self, DocKind};
use crate::store::held::{self, Held};
use crate::store::{Store, index, sync_state};
use crate::{doc, time};
use protocol::{DocPull, DocPush, Head, RejectReason, Rejection, SyncRequest, SyncResponse};

/// Moves request bytes to the server and response bytes back.
pub trait Transport {
    fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>>;
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub round_trips: u32,
    pub docs_sent: usize,
    pub docs_received: usize,
    pub bytes_sent: usize,
    pub bytes_received: usize,
    /// Local documents still waiting to be sent.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub pending: i64,
    /// Photos and signatures moved so far, and their bytes.
    pub blobs_done: usize,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub blob_bytes: u64,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    pub progress: Progress,
    /// Documents whose content changed here because of what arrived.
    pub merged: usize,
    /// Folios of expedientes that now hold contradictory answers.
    pub conflicts: Vec<String>,
    /// Documents this sync held aside (a folio clash here) or the server refused, with
    /// why; everything else synced. `Store::held` lists those still held.
    pub held: Vec<Held>,
    pub blobs: blobs::BlobSummary,
    /// Enrolled devices' keys now known here (for verifying signatures).
    pub keys: usize,
    /// The server was restored from a backup since the last sync: everything here was
    /// offered to it again.
    pub server_restored: bool,
}

/// Rounds of the Automerge sync protocol before falling back to the whole document.
const MAX_NEGOTIATION_ROUNDS: u32 = 8;

/// Documents in one request at most (the server answers at most 1,000 too).
const MAX_DOCS_PER_REQUEST: usize = 500;

/// What one plan put in a request: document, local version pushed.
pub struct Plan {
    pub request: SyncRequest,
    pub pushed: Vec<(String, i64)>,
    /// More local changes wait beyond this batch.
    pub more_local: bool,
}

fn heads_of(d: &Automerge) -> Vec<Head> {
    d.get_heads().iter().map(protocol::head_of).collect()
}

/// Where to enrol and with which code: `target` is the server address (with `code`), or
/// the text of the enrolment QR (`brigada-enroll:URL#CODE`, with `#sha256:FINGERPRINT` of
/// the server's own CA when it has one).
pub fn enrolment_target(target: &str, code: Option<&str>) -> Result<protocol::EnrolTarget> {
    match (target.trim().starts_with(protocol::ENROL_PREFIX), code) {
        (true, None) => {
            protocol::EnrolTarget::parse(target).ok_or_else(|| Error::InvalidInput(msg!("enrol.qr_damaged")))
        }
        (false, Some(c)) if !c.trim().is_empty() => Ok(protocol::EnrolTarget {
            url: target.trim().to_owned(),
            code: c.trim().to_owned(),
            ca_fingerprint: None,
        }),
        _ => Err(Error::InvalidInput(msg!("enrol.what_to_give"))),
    }
}

impl Store {
    /// What this device tells the server when it enrols with `code`.
    pub fn enrol_request(&self, code: String) -> protocol::EnrollRequest {
        let d = self.device();
        protocol::EnrollRequest::signed(
            code,
            d.name.clone(),
            d.code.clone(),
            self.author().actor.to_hex_string(),
            self.signing_key(),
        )
    }

    pub fn sync_setting(&self, key: &str) -> Result<Option<String>> {
        sync_state::setting(self.conn(), key)
    }

    /// Remember the server and this device's token after enrolment (`lend::enroll` asks the
    /// server; this keeps its answer). `ca` is the server's certificate authority (PEM)
    /// when it uses its own.
    pub fn save_enrolment(&mut self, url: &str, e: &protocol::EnrollResponse, ca: Option<&str>) -> Result<()> {
        self.write(|tx| {
            if let Some(pem) = ca {
                sync_state::set_setting(tx, "ca_cert", pem)?;
            }
            sync_state::set_setting(tx, "server_url", url.trim_end_matches('/'))?;
            sync_state::set_setting(tx, "token", &e.token)?;
            sync_state::set_setting(tx, "server_device_id", &e.device_id)?;
            sync_state::set_setting(tx, "role", &e.role)?;
            sync_state::set_setting(tx, "cursor", "0")?;
            Ok(())
        })?;
        self.set_identity(&e.person, &e.seccion)
    }

    /// The next request: documents changed since their last sync, up to the batch size.
    pub fn sync_plan(&mut self) -> Result<Plan> {
        let cursor = self.sync_setting("cursor")?.and_then(|c| c.parse().ok()).unwrap_or(0);
        let mut docs = Vec::new();
        let mut pushed = Vec::new();
        let mut bytes = 0;
        let mut more_local = false;
        let mut settled = Vec::new();
        // Documents under negotiation (Automerge sync protocol) say their next message.
        let mut in_session = std::collections::HashSet::new();
        let mut give_up = Vec::new();
        for (id, _) in sync_state::sessions(self.conn())? {
            in_session.insert(id.clone());
            let Some(d) = documents::load(self.conn(), &id)? else {
                give_up.push(id);
                continue;
            };
            let mut negotiations = self.negotiations.borrow_mut();
            let (state, rounds) = negotiations.entry(id.clone()).or_default();
            *rounds += 1;
            if *rounds > MAX_NEGOTIATION_ROUNDS {
                negotiations.remove(&id);
                give_up.push(id);
                continue;
            }
            // A message even when the protocol thinks it has nothing new: the answer tells
            // whether both sides now agree.
            let msg = d.generate_sync_message(state).or_else(|| {
                *state = automerge::sync::State::new();
                d.generate_sync_message(state)
            });
            if let Some(m) = msg {
                more_local = true;
                let sync = m.encode();
                bytes += sync.len();
                docs.push(DocPush {
                    id,
                    heads: heads_of(&d),
                    changes: Vec::new(),
                    full: false,
                    sync,
                });
            }
        }
        if !give_up.is_empty() {
            // The negotiation did not settle: fall back to sending the whole document.
            for id in &give_up {
                in_session.remove(id);
            }
            self.write(|tx| {
                for id in &give_up {
                    sync_state::end_session(tx, id)?;
                    sync_state::forget(tx, id)?;
                }
                Ok(())
            })?;
        }
        // Walk the changed documents in version order, a page at a time, until a request's
        // worth is gathered.
        let mut after = 0;
        'outer: loop {
            let batch = sync_state::pending(self.conn(), after, 256)?;
            if batch.is_empty() {
                break;
            }
            let full_page = batch.len() == 256;
            for p in batch {
                if bytes >= protocol::BATCH_BYTES && !docs.is_empty() {
                    more_local = true;
                    break 'outer;
                }
                after = p.seq;
                if in_session.contains(&p.doc_id) {
                    continue;
                }
                let Some(d) = documents::load(self.conn(), &p.doc_id)? else {
                    continue;
                };
                let heads = heads_of(&d);
                let (changes, full) = match &p.synced_heads {
                    Some(h) => {
                        let have: Vec<_> = h.iter().map(protocol::change_hash).collect();
                        if have.iter().all(|x| d.get_change_by_hash(x).is_some()) {
                            if d.get_changes(&have).is_empty() {
                                // Nothing new since the last sync (e.g. a merge of what came
                                // from the server): settle it without sending.
                                settled.push((p.doc_id.clone(), h.clone(), p.seq));
                                continue;
                            }
                            (d.save_after(&have), false)
                        } else {
                            (d.save(), true)
                        }
                    }
                    None => (d.save(), true),
                };
                bytes += changes.len();
                pushed.push((p.doc_id.clone(), p.seq));
                docs.push(DocPush {
                    id: p.doc_id,
                    heads,
                    changes,
                    full,
                    sync: Vec::new(),
                });
            }
            if !full_page {
                break;
            }
            if docs.len() >= MAX_DOCS_PER_REQUEST {
                more_local = true;
                break;
            }
        }
        if !settled.is_empty() {
            self.write(|tx| {
                for (id, h, seq) in &settled {
                    sync_state::mark_synced(tx, id, h, *seq)?;
                }
                Ok(())
            })?;
        }
        Ok(Plan {
            request: SyncRequest {
                version: protocol::VERSION,
                cursor,
                docs,
            },
            pushed,
            more_local,
        })
    }

    /// Apply a response: merge documents, update the index, move the cursor — durably,
    /// in one transaction. True when a document that arrived leaves changes here the
    /// server still lacks (they go in the next round).
    pub fn sync_absorb(&mut self, plan: &Plan, resp: &SyncResponse, summary: &mut Summary) -> Result<bool> {
        if resp.version != protocol::VERSION {
            return Err(Error::Server {
                status: 200,
                code: "version".into(),
                message: msg!("sync.version", server = resp.version, device = protocol::VERSION).into(),
            });
        }
        let now = time::now_ms();
        let pushed: std::collections::HashMap<&str, i64> =
            plan.pushed.iter().map(|(id, s)| (id.as_str(), *s)).collect();
        // Prepare outside the transaction: load, merge in memory, validate.
        struct Merged {
            id: String,
            kind: DocKind,
            doc: Automerge,
            added: Option<Vec<u8>>,
            is_new: bool,
            server_heads: Vec<Head>,
            seq_before: Option<i64>,
        }
        let mut merged = Vec::new();
        let mut rejected = resp.rejected.clone();
        for DocPull {
            id,
            heads,
            changes,
            sync,
        } in &resp.docs
        {
            let Some(kind) = protocol::kind_of_id(id) else {
                rejected.push(Rejection {
                    id: id.clone(),
                    reason: RejectReason::Invalid,
                    said: msg!("refused.not_an_id"),
                });
                continue;
            };
            let existing = documents::load(self.conn(), id)?;
            let is_new = existing.is_none();
            let mut d = existing.unwrap_or_default();
            let before = d.get_heads();
            if !sync.is_empty() {
                // A negotiation step: the server's message may carry changes.
                let mut negotiations = self.negotiations.borrow_mut();
                let (state, _) = negotiations.entry(id.clone()).or_default();
                if let Err(e) = doc::receive_sync(id, &mut d, state, sync) {
                    rejected.push(Rejection {
                        id: id.clone(),
                        reason: RejectReason::Invalid,
                        said: msg!("refused.damaged_sync", detail = e.message()),
                    });
                    continue;
                }
            }
            if !changes.is_empty()
                && let Err(e) = doc::load_changes(id, &mut d, changes)
            {
                rejected.push(Rejection {
                    id: id.clone(),
                    reason: RejectReason::Invalid,
                    said: msg!("refused.damaged_document", detail = e.message()),
                });
                continue;
            }
            let ok = match kind {
                DocKind::Expediente => doc::read::<Expediente>(id, &d)
                    .and_then(|e| procedure::get(&e.procedure_id, e.procedure_version).map(|_| ())),
                DocKind::Asset => doc::read::<Asset>(id, &d).map(|_| ()),
            };
            if let Err(e) = ok {
                rejected.push(Rejection {
                    id: id.clone(),
                    reason: RejectReason::Invalid,
                    said: e.message(),
                });
                continue;
            }
            let changed = d.get_heads() != before;
            let added = (changed && !is_new).then(|| d.save_after(&before));
            if changed || is_new {
                summary.merged += 1;
            }
            let seq_before = sync_state::version(self.conn(), id)?;
            merged.push(Merged {
                id: id.clone(),
                kind,
                doc: d,
                added,
                is_new,
                server_heads: heads.clone(),
                seq_before,
            });
        }
        for m in &merged {
            // The cache must not hold a pre-merge copy.
            self.evict_doc(&m.id);
        }
        let mut conflicts = Vec::new();
        let mut concluded = Vec::new();
        let mut newly_held = Vec::new();
        // The server was restored from a backup (its generation changed): what it was
        // told since may be gone, so everything here is offered again.
        let restored = protocol::cursor_epoch(resp.cursor) != protocol::cursor_epoch(plan.request.cursor);
        if restored {
            self.negotiations.borrow_mut().clear();
        }
        let mut reoffered = restored;
        summary.server_restored |= restored;
        self.write(|tx| {
            if restored {
                sync_state::forget_all(tx)?;
                crate::store::blobs::forget_on_server(tx)?;
                // Its witness list was renumbered too: read it again from the start.
                crate::store::keys::forget_seals_cursor(tx)?;
            }
            for m in &merged {
                if m.is_new {
                    if m.doc.get_heads().is_empty() {
                        continue;
                    }
                    documents::insert(tx, &m.id, m.kind, &m.doc, now)?;
                } else if let Some(a) = &m.added {
                    documents::append(tx, &m.id, a, &m.doc, now)?;
                }
                match m.kind {
                    DocKind::Expediente => {
                        let e: Expediente = doc::read(&m.id, &m.doc)?;
                        let p = procedure::get(&e.procedure_id, e.procedure_version)?;
                        let st = engine::status(p, &e, chrono::Utc::now());
                        // A folio another expediente here has: kept, held aside, and the
                        // rest of the sync goes on.
                        match held::index_or_hold(tx, &m.doc, &e, &st, now)? {
                            Some(h) => newly_held.push(h),
                            None if !st.conflicts.is_empty() => conflicts.push(e.folio.clone()),
                            None => {}
                        }
                    }
                    DocKind::Asset => {
                        index::upsert_asset(tx, &doc::read::<Asset>(&m.id, &m.doc)?, now)?;
                        held::release(tx, &m.id)?;
                    }
                }
                if sync_state::session(tx, &m.id)?.is_some() {
                    // Negotiating: done once both sides hold exactly the same heads.
                    let mut ours = heads_of(&m.doc);
                    let mut theirs = m.server_heads.clone();
                    ours.sort_unstable();
                    theirs.sort_unstable();
                    if ours == theirs {
                        sync_state::end_session(tx, &m.id)?;
                        let v = sync_state::version(tx, &m.id)?.unwrap_or(0);
                        sync_state::mark_synced(tx, &m.id, &ours, v)?;
                        concluded.push(m.id.clone());
                    }
                    continue;
                }
                // Both sides now hold the server's heads. If nothing was edited here beyond
                // what was pushed (or last synced), this document is settled.
                let baseline = match pushed.get(m.id.as_str()) {
                    Some(s) => Some(*s),
                    None => sync_state::synced(tx, &m.id)?.map(|(_, s)| s),
                };
                let seq_after = sync_state::version(tx, &m.id)?.unwrap_or(0);
                let settled = match (m.seq_before, baseline) {
                    (None, _) => true,
                    (Some(b), Some(base)) => b <= base,
                    (Some(_), None) => false,
                };
                // Changes here the server still lacks (one it refused, e.g. carried for a
                // device that had not delivered them yet) are offered again next time.
                let server_heads: Vec<automerge::ChangeHash> =
                    m.server_heads.iter().map(protocol::change_hash).collect();
                let unsent = !m.doc.get_changes(&server_heads).is_empty();
                reoffered |= unsent;
                let seq = match (settled, unsent) {
                    (_, true) => 0,
                    (true, false) => seq_after,
                    (false, false) => baseline.unwrap_or(0),
                };
                sync_state::mark_synced(tx, &m.id, &m.server_heads, seq)?;
            }
            for r in &rejected {
                match r.reason {
                    // Find out what is missing with the Automerge sync protocol.
                    RejectReason::NeedFull => {
                        sync_state::set_session(tx, &r.id, &automerge::sync::State::new().encode())?
                    }
                    RejectReason::Forbidden | RejectReason::Invalid | RejectReason::FolioTaken => {
                        // Keep the data here; do not resend it until it changes again; say
                        // why on the sync screen.
                        let local = documents::load(tx, &r.id)?;
                        if let (Some(seq), Some(d)) = (pushed.get(r.id.as_str()), &local) {
                            sync_state::mark_synced(tx, &r.id, &heads_of(d), *seq)?;
                        }
                        let folio = local
                            .and_then(|d| doc::read::<Expediente>(&r.id, &d).ok())
                            .map_or_else(|| r.id.strip_prefix("asset:").unwrap_or(&r.id).to_owned(), |e| e.folio);
                        newly_held.push(held::hold(tx, &r.id, &folio, &r.said, now)?);
                    }
                }
            }
            sync_state::set_setting(tx, "cursor", &resp.cursor.to_string())?;
            sync_state::set_setting(tx, "last_sync", &now.to_string())?;
            Ok(())
        })?;
        {
            let mut negotiations = self.negotiations.borrow_mut();
            for id in &concluded {
                negotiations.remove(id);
            }
            for r in rejected.iter().filter(|r| r.reason == RejectReason::NeedFull) {
                negotiations.remove(&r.id);
            }
        }
        summary.conflicts.extend(conflicts);
        summary.conflicts.sort();
        summary.conflicts.dedup();
        summary.held.extend(newly_held);
        Ok(reoffered)
    }

    /// Sync with the enrolled server over HTTP: documents, then blobs, then keys. What the
    /// CLI's `brigada sync` calls; the app lends its store step by step ([`lend::run`]).
    #[cfg(feature = "net")]
    pub fn sync_now(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Summary> {
        lend::run(&std::cell::RefCell::new(self), progress)
    }

    /// Documents held aside, with why (see [`held`]).
    pub fn held(&self) -> Result<Vec<Held>> {
        held::list(self.conn())
    }

    /// The HTTP transport to the enrolled server.
    #[cfg(feature = "net")]
    pub fn http_transport(&self) -> Result<http::HttpTransport> {
        let (Some(url), Some(token)) = (self.sync_setting("server_url")?, self.sync_setting("token")?) else {
            return Err(Error::NotEnrolled);
        };
        let ca = self.sync_setting("ca_cert")?;
        http::HttpTransport::new(&url, &token, ca.as_deref())
    }

    /// Sync until both sides have everything: usually one round trip.
    pub fn sync_with(&mut self, t: &mut dyn Transport, progress: &mut dyn FnMut(&Progress)) -> Result<Summary> {
        lend::documents(&std::cell::RefCell::new(self), t, progress)
    }

    /// What waits to go to the server: changed documents and photos or signatures not
    /// uploaded yet.
    pub fn outgoing(&self) -> Result<(i64, usize)> {
        Ok((
            sync_state::count_pending(self.conn())?,
            crate::store::blobs::unsent(self.conn())?.len(),
        ))
    }
}
