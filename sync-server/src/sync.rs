//! One sync exchange, independent of the storage behind it.
//!
//! 1. Changes the device pushed are merged (Automerge ignores any it already has, so a
//!    repeated request is harmless); a change set whose dependencies the server lacks is
//!    refused with `NeedFull` and the device resends the whole document.
//! 2. Documents outside the device's scope are refused (`Forbidden`), reported per
//!    document; the rest of the batch goes through.
//! 3. Everything in the device's scope that changed after its cursor is sent back as the
//!    changes the device lacks, judged by the heads it is known to hold. Heads sent in a
//!    response only count as held once the device returns with that response's cursor —
//!    a lost response is simply sent again.

use brigada_record::messages::Message;
use brigada_record::msg;
use std::collections::HashSet;

use automerge::sync::SyncDoc;
use automerge::{Automerge, ChangeHash, ReadDoc};
use brigada_record::model::{Asset, Expediente};
use brigada_record::protocol::{self, DocPull, DocPush, Head, RejectReason, Rejection, SyncRequest, SyncResponse};
use brigada_record::{doc, procedure};

use crate::devices::{Device, Role};
use crate::error::{Result, ServerError};
use crate::rules::{self, Authorship};
use crate::storage::{DocKind, DocMeta, DocRepo, Scope};

/// The longest sección, folio, assignee or blob name the server indexes.
const MAX_INDEXED: usize = 512;

/// Most documents and bytes in one response; the device asks again for the rest.
const MAX_DOCS: usize = 1000;
const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Feed documents read ahead at a time.
const AHEAD: usize = 64;
/// Pushed documents checked and stored at a time (each held merged until then).
const WINDOW: usize = 16;

fn heads(d: &Automerge) -> Vec<Head> {
    d.get_heads().iter().map(protocol::head_of).collect()
}

/// Changes of `d` that a holder of `have` lacks (everything, if `have` names changes the
/// server does not know).
fn missing_for(d: &Automerge, have: &[Head]) -> Vec<u8> {
    let have: Vec<ChangeHash> = have.iter().map(protocol::change_hash).collect();
    if have.iter().all(|h| d.get_change_by_hash(h).is_some()) {
        if d.get_changes(&have).is_empty() {
            Vec::new()
        } else {
            d.save_after(&have)
        }
    } else {
        d.save()
    }
}

/// Read scope metadata out of a document, checking that it is a valid one of its kind
/// (with the expediente itself, for the role rules).
fn meta_of(
    id: &str,
    kind: DocKind,
    d: &Automerge,
    creator: &str,
) -> brigada_record::Result<(DocMeta, Option<Expediente>)> {
    let mismatch = |detail: Message| brigada_record::Error::BadDocument {
        id: id.to_owned(),
        detail,
    };
    match kind {
        DocKind::Expediente => {
            let e: Expediente = doc::read(id, d)?;
            if e.id != id {
                return Err(mismatch(msg!("document.wrong_id", id = &e.id)));
            }
            procedure::get(&e.procedure_id, e.procedure_version)?;
            let blobs: Vec<String> = e.blobs().into_iter().map(str::to_owned).collect();
            // What the server indexes must be storable by every backend (PostgreSQL
            // refuses NUL in text, and indexes hold a few kB at most).
            let fields = [("seccion", &e.seccion), ("folio", &e.folio)];
            let named = fields
                .into_iter()
                .chain(e.assignees.iter().map(|a| ("assignees", a)))
                .chain(blobs.iter().map(|b| ("blobs", b)));
            for (field, value) in named {
                if value.contains('\0') || value.len() > MAX_INDEXED {
                    return Err(mismatch(msg!("document.bad_text", field = field, max = MAX_INDEXED)));
                }
            }
            let meta = DocMeta {
                kind,
                seccion: e.seccion.clone(),
                assignees: e.assignees.clone(),
                creator_device: creator.to_owned(),
                blobs,
                folio: Some(e.folio.clone()),
            };
            Ok((meta, Some(e)))
        }
        DocKind::Asset => {
            let a: Asset = doc::read(id, d)?;
            if format!("asset:{}", a.tag) != id {
                return Err(mismatch(msg!("document.wrong_tag", tag = &a.tag)));
            }
            let meta = DocMeta {
                kind,
                seccion: String::new(),
                assignees: vec![],
                creator_device: creator.to_owned(),
                blobs: vec![],
                folio: None,
            };
            Ok((meta, None))
        }
    }
}

/// A pushed document merged and checked, waiting for the folio check and to be stored.
struct Accepted<'a> {
    push: &'a DocPush,
    d: Automerge,
    before: Vec<ChangeHash>,
    existing: bool,
    meta: DocMeta,
    /// The expediente as the server had it, and as pushed.
    old: Option<Expediente>,
    exp: Option<Expediente>,
    /// The negotiation's answer, when the document came as a sync-protocol message.
    reply: Vec<u8>,
}

pub fn exchange(repo: &mut dyn DocRepo, device: &Device, req: &SyncRequest) -> Result<SyncResponse> {
    if req.version != protocol::VERSION {
        return Err(ServerError::BadRequest(msg!(
            "server.protocol_version",
            server = protocol::VERSION,
            device = req.version
        )));
    }
    let scope = Scope::of(device);
    // A cursor of another generation was handed out before a restore from backup: read the
    // feed from the start for this device (it offers everything again).
    let epoch = repo.epoch()?;
    let since = if protocol::cursor_epoch(req.cursor) == epoch {
        repo.confirm_pending(&device.id, protocol::cursor_seq(req.cursor))?;
        protocol::cursor_seq(req.cursor)
    } else {
        tracing::info!(device = %device.id, "cursor from before a restore: the feed starts over");
        0
    };
    let mut docs = Vec::new();
    let mut rejected = Vec::new();
    let mut pushed = HashSet::new();
    let mut bytes = 0usize;
    let reject = |id: &str, reason, said: Message| Rejection {
        id: id.to_owned(),
        reason,
        said,
    };

    // Folios of the expedientes stored by this request.
    let mut claimed = HashSet::new();
    // A window of pushed documents at a time: each is held merged in memory until its
    // folio is checked, so a request of a thousand documents holds a few, not all.
    for window in req.docs.chunks(WINDOW) {
        // Each window read at once, for backends where each read is a round trip.
        let ids: Vec<&str> = window
            .iter()
            .map(|p| p.id.as_str())
            .filter(|id| protocol::kind_of_id(id).is_some())
            .collect();
        repo.prefetch(&device.id, &ids)?;
        // Pushed documents that passed every check but their folio's, in order.
        let mut accepted = Vec::new();
        for push in window {
            let Some(kind) = protocol::kind_of_id(&push.id) else {
                rejected.push(reject(&push.id, RejectReason::Invalid, msg!("refused.not_an_id")));
                continue;
            };
            if !pushed.insert(push.id.clone()) {
                rejected.push(reject(&push.id, RejectReason::Invalid, msg!("refused.twice")));
                continue;
            }
            let existing = repo.meta(&push.id)?;
            if let Some(m) = &existing
                && !scope.allows(m)
            {
                rejected.push(reject(&push.id, RejectReason::Forbidden, msg!("refused.not_yours")));
                continue;
            }
            let mut d = repo.load(&push.id)?.unwrap_or_default();
            let before = d.get_heads();
            // The expediente as the server had it, for the role rules.
            let old: Option<Expediente> = match (&existing, kind) {
                (Some(_), DocKind::Expediente) => doc::read(&push.id, &d).ok(),
                _ => None,
            };
            // Either plain changes, or a sync-protocol message when the two sides do not know
            // what they share.
            let mut reply = Vec::new();
            if push.sync.is_empty() {
                if let Err(e) = brigada_record::doc::load_changes(&push.id, &mut d, &push.changes) {
                    rejected.push(reject(&push.id, RejectReason::Invalid, e.message()));
                    continue;
                }
                if !d.get_missing_deps(&[]).is_empty() {
                    rejected.push(reject(&push.id, RejectReason::NeedFull, msg!("refused.need_full")));
                    continue;
                }
            } else {
                // Each request starts from a fresh protocol state: the device keeps the
                // negotiation's memory and drives it to the end, so the server stays stateless.
                let mut state = automerge::sync::State::new();
                if let Err(e) = brigada_record::doc::receive_sync(&push.id, &mut d, &mut state, &push.sync) {
                    rejected.push(reject(&push.id, RejectReason::Invalid, e.message()));
                    continue;
                }
                reply = d
                    .generate_sync_message(&mut state)
                    .map(|m| m.encode())
                    .unwrap_or_default();
                if d.get_heads().is_empty() {
                    // Nothing of it here yet: only the negotiation goes back.
                    docs.push(DocPull {
                        id: push.id.clone(),
                        heads: vec![],
                        changes: vec![],
                        sync: reply,
                    });
                    continue;
                }
            }
            let creator = existing
                .as_ref()
                .map(|m| m.creator_device.clone())
                .unwrap_or_else(|| device.id.clone());
            let (meta, exp) = match meta_of(&push.id, kind, &d, &creator) {
                Ok(m) => m,
                Err(why) => {
                    rejected.push(reject(&push.id, RejectReason::Invalid, why.message()));
                    continue;
                }
            };
            // Proven authors: every new change under this device's own actor.
            let foreign = match rules::authorship(&d, &before, device) {
                Authorship::Own => None,
                Authorship::Bind(actor) => (!repo.bind_actor(&device.id, &actor)?).then_some(actor),
                Authorship::Foreign(actor) => Some(actor),
            };
            if let Some(actor) = foreign {
                tracing::warn!(device = %device.id, id = %push.id, actor = %actor, "changes under another device's actor");
                let author = match repo.actor_device(&actor)? {
                    Some((person, name)) => format!("{name}, {person}"),
                    None => actor.chars().take(8).collect(),
                };
                rejected.push(reject(
                    &push.id,
                    RejectReason::Forbidden,
                    msg!("refused.foreign_changes", actor = author),
                ));
                continue;
            }
            accepted.push(Accepted {
                push,
                d,
                before,
                existing: existing.is_some(),
                meta,
                old,
                exp,
                reply,
            });
        }

        // One expediente per folio: a second device with the same folio code cannot bring in a
        // different expediente under a folio already on paper, nor one request a new one under
        // the folio of another it carries. Asked for every new expediente at once.
        let new_folios: Vec<(&str, &str)> = accepted
            .iter()
            .filter(|a| !a.existing)
            .filter_map(|a| Some((a.meta.folio.as_deref()?, a.push.id.as_str())))
            .collect();
        let holders = repo.folio_holders(&new_folios)?;
        for a in accepted {
            let Accepted {
                push,
                d,
                before,
                existing,
                meta,
                old,
                exp,
                reply,
            } = a;
            if !existing && let Some(folio) = &meta.folio {
                let holder = match holders.get(folio) {
                    Some(h) => Some(h.clone()),
                    None => claimed.contains(folio).then(|| "this request".to_owned()),
                };
                if let Some(holder) = holder {
                    tracing::warn!(device = %device.id, id = %push.id, folio = %folio, holder = %holder, "folio already taken");
                    rejected.push(reject(
                        &push.id,
                        RejectReason::FolioTaken,
                        msg!("refused.folio_taken", folio = folio),
                    ));
                    continue;
                }
            }
            // A device makes folios with its own folio code only (SECCION-YEAR-CODE-NNNN): it
            // cannot claim another device's future folios and so have that device's refused.
            if !existing
                && let Some(folio) = &meta.folio
                && folio.split('-').nth(2) != device.device_code.as_deref()
            {
                tracing::warn!(device = %device.id, id = %push.id, folio = %folio, "folio of another device's code");
                rejected.push(reject(
                    &push.id,
                    RejectReason::Forbidden,
                    msg!("refused.not_your_folio", folio = folio),
                ));
                continue;
            }
            // Tags come only from ranges the server handed out (the labels an office printed):
            // a técnico cannot register an asset under any other number, and so cannot push
            // the next allocation out of reach. Offices register old stickers by hand.
            if !existing && meta.kind == DocKind::Asset && device.role == Role::Tecnico {
                let tag = push.id.strip_prefix("asset:").unwrap_or(&push.id);
                let allocated = match brigada_record::tag::number(tag) {
                    Some(n) => repo.tag_allocated(n)?,
                    None => false,
                };
                if !allocated {
                    tracing::warn!(device = %device.id, id = %push.id, "asset tag outside every allocated range");
                    rejected.push(reject(
                        &push.id,
                        RejectReason::Forbidden,
                        msg!("refused.tag_not_allocated", tag = tag),
                    ));
                    continue;
                }
            }
            if let Some(new) = &exp
                && let Err(why) = rules::role_allows(device, old.as_ref(), new)
                    .and_then(|()| rules::signed_versions_known(&d, old.as_ref(), new))
            {
                tracing::warn!(device = %device.id, id = %push.id, "change beyond the device's role");
                rejected.push(reject(&push.id, RejectReason::Forbidden, why));
                continue;
            }
            // A técnico may not hand an expediente out of their own reach by editing it.
            if existing && !scope.allows(&meta) {
                rejected.push(reject(&push.id, RejectReason::Forbidden, msg!("refused.out_of_scope")));
                continue;
            }
            if let Some(folio) = &meta.folio {
                claimed.insert(folio.clone());
            }
            if d.get_heads() != before || !existing {
                let added = existing.then(|| d.save_after(&before));
                repo.store(&push.id, &d, added.as_deref(), &meta)?;
            }
            // The server's witness of each new signature (the role rules passed: each is the
            // sender's own, its seal verified): the signer's clock says when it was sealed;
            // this says when it was first received here.
            if let Some(new) = &exp {
                let seals: Vec<&str> = rules::added_signatures(old.as_ref(), new)
                    .map(|s| s.seal.as_str())
                    .collect();
                if !seals.is_empty() {
                    repo.witness_seals(&device.id, &seals, chrono::Utc::now().timestamp_millis())?;
                }
            }
            repo.set_device_heads(&device.id, &push.id, &push.heads)?;
            // During a negotiation the sync messages carry the changes.
            let changes = if push.sync.is_empty() {
                missing_for(&d, &push.heads)
            } else {
                Vec::new()
            };
            bytes += changes.len() + reply.len();
            docs.push(DocPull {
                id: push.id.clone(),
                heads: heads(&d),
                changes,
                sync: reply,
            });
        }
    }

    // Everything else in scope that changed since the device's cursor.
    let feed = repo.feed(since, &scope, MAX_DOCS + 1)?;
    let mut more = false;
    let mut last_seq = since;
    for (i, (id, seq)) in feed.iter().enumerate() {
        if i >= MAX_DOCS || (bytes >= MAX_BYTES && docs.len() > pushed.len()) {
            more = true;
            break;
        }
        last_seq = *seq;
        if i % AHEAD == 0 {
            let next: Vec<&str> = feed[i..]
                .iter()
                .take(AHEAD)
                .map(|(id, _)| id.as_str())
                .filter(|id| !pushed.contains(*id))
                .collect();
            repo.prefetch(&device.id, &next)?;
        }
        if pushed.contains(id) {
            continue;
        }
        let Some(d) = repo.load(id)? else { continue };
        let known = repo.device_heads(&device.id, id)?.unwrap_or_default();
        let changes = missing_for(&d, &known);
        if changes.is_empty() {
            continue;
        }
        bytes += changes.len();
        docs.push(DocPull {
            id: id.clone(),
            heads: heads(&d),
            changes,
            sync: Vec::new(),
        });
    }
    let cursor = if more { last_seq } else { repo.max_seq()?.max(since) };
    for d in &docs {
        repo.set_pending(&device.id, &d.id, &d.heads, cursor)?;
    }
    Ok(SyncResponse {
        version: protocol::VERSION,
        cursor: protocol::cursor(epoch, cursor),
        docs,
        rejected,
        more,
    })
}
