//! The sync algorithm's view of PostgreSQL ([`DocRepo`]), inside one exchange's
//! REPEATABLE READ transaction. Documents are kept as in the embedded store — a snapshot
//! plus appended change rows, compacted once enough gather — but stored without a feed
//! position: [`number_feed`] gives them theirs at commit.
//!
//! Each statement is a round trip to the database, and one per document and table made a
//! 50-document push cost hundreds of them (5,000 tablets through two instances took twice
//! the bar). So the repo reads the documents an exchange names in one query
//! ([`DocRepo::prefetch`]) and holds its writes until the next read it cannot answer from
//! them, or the end of the exchange, then sends them as one statement per table over
//! arrays ([`Repo::flush`]): a push costs a handful of round trips per sixteen documents
//! (the exchange's window), not several per document.

use std::collections::{HashMap, HashSet};

use automerge::Automerge;
use brigada_record::protocol::Head;

use super::{LOCK_FEED, Tx};
use crate::error::{Result, ServerError};
use crate::storage::{DocKind, DocMeta, DocRepo, Scope, pack, unpack};

/// Change rows a document gathers before they are folded into its snapshot.
const COMPACT_AFTER: i64 = 64;

/// The scope condition on `docs d`, shared by the feed and blob checks. Parameters:
/// $2 sección, $3 device id, $4 person.
macro_rules! tecnico_scope {
    () => {
        "(d.kind = 'asset' OR (d.seccion = $2 AND $2 <> '') OR d.creator_device = $3
          OR d.id IN (SELECT doc_id FROM doc_assignees WHERE person = $4))"
    };
}
pub(super) use tecnico_scope;

/// A técnico's feed after $1: the union of the ways a document is in scope, each through
/// its own index and cut at $5 (a filter over the whole feed read every document after the
/// cursor). $2 sección, $3 device id, $4 person; the same documents as `tecnico_scope!`.
const TECNICO_FEED: &str = "SELECT id, feed_seq FROM (
    (SELECT id, feed_seq FROM docs WHERE kind = 'asset' AND feed_seq > $1 ORDER BY feed_seq LIMIT $5)
    UNION (SELECT id, feed_seq FROM docs WHERE seccion = $2 AND $2 <> '' AND feed_seq > $1
           ORDER BY feed_seq LIMIT $5)
    UNION (SELECT id, feed_seq FROM docs WHERE creator_device = $3 AND feed_seq > $1 ORDER BY feed_seq LIMIT $5)
    UNION (SELECT d.id, d.feed_seq FROM doc_assignees a JOIN docs d ON d.id = a.doc_id
           WHERE a.person = $4 AND d.feed_seq > $1 ORDER BY d.feed_seq LIMIT $5)
) AS scope ORDER BY feed_seq LIMIT $5";

pub(super) struct Repo<'t, 'c> {
    t: &'t mut Tx<'c>,
    /// The exchange's time by the database's clock ([`Tx::clock`]).
    now: i64,
    wrote: bool,
    new_asset: bool,
    /// Documents read ahead ([`DocRepo::prefetch`]); `None`: known not to exist. A load
    /// takes its entry; a store drops it.
    ahead: HashMap<String, Option<Ahead>>,
    /// The heads `ahead_device` holds of documents read ahead.
    ahead_heads: HashMap<String, Option<Vec<Head>>>,
    ahead_device: String,
    /// Change rows of each document loaded, for compaction without asking.
    change_rows: HashMap<String, usize>,
    writes: Writes,
}

/// A document as stored, read ahead of the exchange's questions about it.
struct Ahead {
    meta: DocMeta,
    snapshot: Vec<u8>,
    changes: Vec<Vec<u8>>,
}

/// Writes held until the next read or the end of the exchange, then sent as one statement
/// per table (a row per statement cost a round trip per document).
#[derive(Default)]
struct Writes {
    /// New documents, with their metadata.
    docs: Vec<(String, Vec<u8>, DocMeta)>,
    /// Changes appended to stored documents.
    changes: Vec<(String, Vec<u8>)>,
    /// Stored documents whose metadata is written again: id, sección, folio.
    updated: Vec<(String, String, Option<String>)>,
    /// Documents whose assignees and blob references are replaced by these.
    indexed: Vec<String>,
    assignees: Vec<(String, String)>,
    blobs: Vec<(String, String)>,
    /// Heads each device holds: device, document, heads.
    heads: Vec<(String, String, Vec<u8>)>,
    /// Heads sent, pending the device's return: device, document, heads, cursor.
    pending: Vec<(String, String, Vec<u8>, i64)>,
    /// The device-document rows held above: (pending, device, document).
    rows: HashSet<(bool, String, String)>,
}

impl Writes {
    fn is_empty(&self) -> bool {
        self.docs.is_empty()
            && self.changes.is_empty()
            && self.updated.is_empty()
            && self.indexed.is_empty()
            && self.heads.is_empty()
            && self.pending.is_empty()
    }
}

impl<'t, 'c> Repo<'t, 'c> {
    pub(super) fn new(t: &'t mut Tx<'c>, now: i64) -> Self {
        Repo {
            t,
            now,
            wrote: false,
            new_asset: false,
            ahead: HashMap::new(),
            ahead_heads: HashMap::new(),
            ahead_device: String::new(),
            change_rows: HashMap::new(),
            writes: Writes::default(),
        }
    }

    /// Whether the exchange stored documents or seals that need feed positions.
    pub(super) fn wrote(&self) -> bool {
        self.wrote
    }

    /// Whether it registered an asset tag the server had not seen.
    pub(super) fn new_asset(&self) -> bool {
        self.new_asset
    }

    /// Send the writes held so far. Every read that is not answered from what was read
    /// ahead sends them first, so the exchange reads its own writes.
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.writes.is_empty() {
            return Ok(());
        }
        let w = std::mem::take(&mut self.writes);
        let t = self.now;
        if !w.docs.is_empty() {
            let ids: Vec<&str> = w.docs.iter().map(|d| d.0.as_str()).collect();
            let kinds: Vec<&str> = w.docs.iter().map(|d| d.2.kind.as_str()).collect();
            let seccions: Vec<&str> = w.docs.iter().map(|d| d.2.seccion.as_str()).collect();
            let creators: Vec<&str> = w.docs.iter().map(|d| d.2.creator_device.as_str()).collect();
            let snapshots: Vec<&[u8]> = w.docs.iter().map(|d| d.1.as_slice()).collect();
            let folios: Vec<Option<&str>> = w.docs.iter().map(|d| d.2.folio.as_deref()).collect();
            let inserted = self.t.exec(
                "INSERT INTO docs (id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio)
                 SELECT id, kind, seccion, creator, snapshot, NULL, $6, folio
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $7::text[])
                      AS u(id, kind, seccion, creator, snapshot, folio)
                 ON CONFLICT (id) DO NOTHING",
                &[&ids, &kinds, &seccions, &creators, &snapshots, &t, &folios],
            )?;
            if inserted < ids.len() as u64 {
                // Another request stored one of them first: run this one again over it.
                return Err(ServerError::Busy(
                    "a new document was stored by a concurrent request".to_owned(),
                ));
            }
        }
        if !w.changes.is_empty() {
            let ids: Vec<&str> = w.changes.iter().map(|c| c.0.as_str()).collect();
            let data: Vec<&[u8]> = w.changes.iter().map(|c| c.1.as_slice()).collect();
            self.t.exec(
                "INSERT INTO doc_changes (doc_id, data) SELECT * FROM unnest($1::text[], $2::bytea[])",
                &[&ids, &data],
            )?;
        }
        if !w.updated.is_empty() {
            let ids: Vec<&str> = w.updated.iter().map(|u| u.0.as_str()).collect();
            let seccions: Vec<&str> = w.updated.iter().map(|u| u.1.as_str()).collect();
            let folios: Vec<Option<&str>> = w.updated.iter().map(|u| u.2.as_deref()).collect();
            self.t.exec(
                "UPDATE docs SET seccion = u.seccion, feed_seq = NULL, updated_at = $4, folio = u.folio
                 FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, seccion, folio) WHERE docs.id = u.id",
                &[&ids, &seccions, &folios, &t],
            )?;
        }
        if !w.indexed.is_empty() {
            self.t
                .exec("DELETE FROM doc_assignees WHERE doc_id = ANY($1)", &[&w.indexed])?;
            self.t
                .exec("DELETE FROM blob_refs WHERE doc_id = ANY($1)", &[&w.indexed])?;
        }
        let indexes: [(&'static str, &Vec<(String, String)>); 2] = [
            (
                "INSERT INTO doc_assignees (person, doc_id) SELECT * FROM unnest($1::text[], $2::text[])
                 ON CONFLICT DO NOTHING",
                &w.assignees,
            ),
            (
                "INSERT INTO blob_refs (hash, doc_id) SELECT * FROM unnest($1::text[], $2::text[])
                 ON CONFLICT DO NOTHING",
                &w.blobs,
            ),
        ];
        for (sql, rows) in indexes.into_iter().filter(|(_, rows)| !rows.is_empty()) {
            let firsts: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
            let ids: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
            self.t.exec(sql, &[&firsts, &ids])?;
        }
        if !w.heads.is_empty() {
            let devices: Vec<&str> = w.heads.iter().map(|h| h.0.as_str()).collect();
            let ids: Vec<&str> = w.heads.iter().map(|h| h.1.as_str()).collect();
            let heads: Vec<&[u8]> = w.heads.iter().map(|h| h.2.as_slice()).collect();
            self.t.exec(
                "INSERT INTO device_docs (device_id, doc_id, heads)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
                 ON CONFLICT (device_id, doc_id) DO UPDATE SET heads = excluded.heads",
                &[&devices, &ids, &heads],
            )?;
        }
        if !w.pending.is_empty() {
            let devices: Vec<&str> = w.pending.iter().map(|p| p.0.as_str()).collect();
            let ids: Vec<&str> = w.pending.iter().map(|p| p.1.as_str()).collect();
            let heads: Vec<&[u8]> = w.pending.iter().map(|p| p.2.as_slice()).collect();
            let cursors: Vec<i64> = w.pending.iter().map(|p| p.3).collect();
            self.t.exec(
                "INSERT INTO device_docs (device_id, doc_id, pending, pending_cursor)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bigint[])
                 ON CONFLICT (device_id, doc_id)
                 DO UPDATE SET pending = excluded.pending, pending_cursor = excluded.pending_cursor",
                &[&devices, &ids, &heads, &cursors],
            )?;
        }
        Ok(())
    }

    /// Before holding a write to one device-document row: send what is held first when
    /// that row already waits (one statement may not touch a row twice).
    fn hold_device_doc(&mut self, device: &str, id: &str, pending: bool) -> Result<()> {
        if !self.writes.rows.insert((pending, device.to_owned(), id.to_owned())) {
            self.flush()?;
            self.writes.rows.insert((pending, device.to_owned(), id.to_owned()));
        }
        if device == self.ahead_device {
            self.ahead_heads.remove(id);
        }
        Ok(())
    }
}

/// Give what this transaction wrote its feed positions, in commit order: under one lock
/// held until the commit is visible, so no position becomes visible before a lower one.
/// One round trip: the lock is held for as short a time as the commit allows.
pub(super) fn number_feed(t: &mut Tx<'_>) -> Result<()> {
    t.batch(&format!(
        "SELECT pg_advisory_xact_lock({LOCK_FEED});
         UPDATE docs SET feed_seq = nextval('feed_positions') WHERE feed_seq IS NULL;
         UPDATE seals SET seq = nextval('seal_positions') WHERE seq IS NULL;"
    ))
}

/// Touch the one row every change to the actors bound to devices touches first, so an
/// enrolment and a first push binding the same actor cannot both pass their checks: in
/// REPEATABLE READ the later one fails to serialise and runs again, seeing the earlier.
pub(super) fn claim_actors(t: &mut Tx<'_>) -> Result<()> {
    t.exec(
        "INSERT INTO server_meta (key, value) VALUES ('actors', 1)
         ON CONFLICT (key) DO UPDATE SET value = server_meta.value + 1",
        &[],
    )?;
    Ok(())
}

fn position(seq: i64) -> u64 {
    u64::try_from(seq).unwrap_or(0)
}

fn cursor(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

fn kind_of(s: &str) -> DocKind {
    if s == "asset" {
        DocKind::Asset
    } else {
        DocKind::Expediente
    }
}

fn restore(id: &str, snapshot: &[u8], changes: &[Vec<u8>]) -> Result<Automerge> {
    let broken = |e: automerge::AutomergeError| ServerError::Storage(format!("document {id}: {e}"));
    let mut d = Automerge::load(snapshot).map_err(broken)?;
    for c in changes {
        d.load_incremental(c).map_err(broken)?;
    }
    Ok(d)
}

impl DocRepo for Repo<'_, '_> {
    fn prefetch(&mut self, device: &str, ids: &[&str]) -> Result<()> {
        self.flush()?;
        let wanted: Vec<&str> = ids.iter().copied().filter(|id| !self.ahead.contains_key(*id)).collect();
        if wanted.is_empty() {
            return Ok(());
        }
        if device != self.ahead_device {
            self.ahead_heads.clear();
            device.clone_into(&mut self.ahead_device);
        }
        let rows = self.t.rows(
            "SELECT d.id, d.kind, d.seccion, d.creator_device, d.folio, d.snapshot,
                    ARRAY(SELECT data FROM doc_changes c WHERE c.doc_id = d.id ORDER BY c.seq),
                    ARRAY(SELECT person FROM doc_assignees a WHERE a.doc_id = d.id),
                    ARRAY(SELECT hash FROM blob_refs b WHERE b.doc_id = d.id),
                    (SELECT heads FROM device_docs h WHERE h.device_id = $2 AND h.doc_id = d.id)
             FROM docs d WHERE d.id = ANY($1)",
            &[&wanted, &device],
        )?;
        for id in wanted {
            self.ahead.insert(id.to_owned(), None);
            self.ahead_heads.insert(id.to_owned(), None);
        }
        for r in rows {
            let id: String = r.get(0);
            let meta = DocMeta {
                kind: kind_of(r.get(1)),
                seccion: r.get(2),
                creator_device: r.get(3),
                folio: r.get(4),
                assignees: r.get(7),
                blobs: r.get(8),
            };
            self.ahead_heads
                .insert(id.clone(), r.get::<_, Option<&[u8]>>(9).map(unpack));
            self.ahead.insert(
                id,
                Some(Ahead {
                    meta,
                    snapshot: r.get(5),
                    changes: r.get(6),
                }),
            );
        }
        Ok(())
    }

    fn load(&mut self, id: &str) -> Result<Option<Automerge>> {
        if let Some(ahead) = self.ahead.remove(id) {
            return ahead
                .map(|a| {
                    self.change_rows.insert(id.to_owned(), a.changes.len());
                    restore(id, &a.snapshot, &a.changes)
                })
                .transpose();
        }
        self.flush()?;
        let Some(row) = self.t.row("SELECT snapshot FROM docs WHERE id = $1", &[&id])? else {
            return Ok(None);
        };
        let changes: Vec<Vec<u8>> = self
            .t
            .rows("SELECT data FROM doc_changes WHERE doc_id = $1 ORDER BY seq", &[&id])?
            .iter()
            .map(|c| c.get(0))
            .collect();
        self.change_rows.insert(id.to_owned(), changes.len());
        restore(id, row.get(0), &changes).map(Some)
    }

    fn meta(&mut self, id: &str) -> Result<Option<DocMeta>> {
        if let Some(ahead) = self.ahead.get(id) {
            return Ok(ahead.as_ref().map(|a| a.meta.clone()));
        }
        self.flush()?;
        let Some(row) = self.t.row(
            "SELECT kind, seccion, creator_device, folio FROM docs WHERE id = $1",
            &[&id],
        )?
        else {
            return Ok(None);
        };
        let assignees = self
            .t
            .rows("SELECT person FROM doc_assignees WHERE doc_id = $1", &[&id])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let blobs = self
            .t
            .rows("SELECT hash FROM blob_refs WHERE doc_id = $1", &[&id])?
            .iter()
            .map(|r| r.get(0))
            .collect();
        Ok(Some(DocMeta {
            kind: kind_of(row.get(0)),
            seccion: row.get(1),
            assignees,
            creator_device: row.get(2),
            blobs,
            folio: row.get(3),
        }))
    }

    fn folio_holder(&mut self, folio: &str, id: &str) -> Result<Option<String>> {
        Ok(self.folio_holders(&[(folio, id)])?.remove(folio))
    }

    fn folio_holders(&mut self, wanted: &[(&str, &str)]) -> Result<HashMap<String, String>> {
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        self.flush()?;
        let folios: Vec<&str> = wanted.iter().map(|w| w.0).collect();
        let ids: Vec<&str> = wanted.iter().map(|w| w.1).collect();
        Ok(self
            .t
            .rows(
                "SELECT d.folio, d.id FROM docs d JOIN unnest($1::text[], $2::text[]) AS u(folio, id)
                 ON d.folio = u.folio AND d.id <> u.id",
                &[&folios, &ids],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn tag_allocated(&mut self, number: u32) -> Result<bool> {
        let n = i64::from(number);
        Ok(self
            .t
            .row(
                "SELECT 1 FROM tag_ranges WHERE first <= $1 AND last >= $1 LIMIT 1",
                &[&n],
            )?
            .is_some())
    }

    fn bind_actor(&mut self, device: &str, actor: &str) -> Result<bool> {
        claim_actors(self.t)?;
        self.t.exec(
            "UPDATE devices SET actor = $2 WHERE id = $1 AND actor IS NULL
             AND NOT EXISTS (SELECT 1 FROM devices WHERE actor = $2 AND id <> $1)",
            &[&device, &actor],
        )?;
        let bound: Option<String> = self
            .t
            .row("SELECT actor FROM devices WHERE id = $1", &[&device])?
            .and_then(|r| r.get(0));
        Ok(bound.as_deref() == Some(actor))
    }

    fn actor_device(&mut self, actor: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .t
            .row(
                "SELECT person, coalesce(device_name, '') FROM devices WHERE actor = $1 ORDER BY created_at LIMIT 1",
                &[&actor],
            )?
            .map(|r| (r.get(0), r.get(1))))
    }

    fn store(&mut self, id: &str, doc: &Automerge, added: Option<&[u8]>, meta: &DocMeta) -> Result<()> {
        self.wrote = true;
        self.ahead.remove(id);
        match added {
            None => {
                self.new_asset |= meta.kind == DocKind::Asset;
                self.writes.docs.push((id.to_owned(), doc.save(), meta.clone()));
            }
            Some(bytes) => {
                let rows = match self.change_rows.get(id) {
                    Some(n) => *n as i64,
                    None => {
                        self.flush()?;
                        self.t
                            .row("SELECT count(*) FROM doc_changes WHERE doc_id = $1", &[&id])?
                            .map(|r| r.get(0))
                            .unwrap_or(0)
                    }
                };
                if rows + 1 >= COMPACT_AFTER {
                    // Fold the changes into a new snapshot, which holds this one too.
                    self.flush()?;
                    self.t
                        .exec("UPDATE docs SET snapshot = $2 WHERE id = $1", &[&id, &doc.save()])?;
                    self.t.exec("DELETE FROM doc_changes WHERE doc_id = $1", &[&id])?;
                    self.change_rows.insert(id.to_owned(), 0);
                } else {
                    self.writes.changes.push((id.to_owned(), bytes.to_vec()));
                    self.change_rows.insert(id.to_owned(), rows as usize + 1);
                }
                self.writes
                    .updated
                    .push((id.to_owned(), meta.seccion.clone(), meta.folio.clone()));
            }
        }
        self.writes.indexed.push(id.to_owned());
        for p in &meta.assignees {
            self.writes.assignees.push((p.clone(), id.to_owned()));
        }
        for h in &meta.blobs {
            self.writes.blobs.push((h.clone(), id.to_owned()));
        }
        Ok(())
    }

    fn feed(&mut self, after: u64, scope: &Scope, limit: usize) -> Result<Vec<(String, u64)>> {
        self.flush()?;
        let (after, limit) = (cursor(after), limit as i64);
        let rows = match scope {
            Scope::All => self.t.rows(
                "SELECT id, feed_seq FROM docs WHERE feed_seq > $1 ORDER BY feed_seq LIMIT $2",
                &[&after, &limit],
            )?,
            Scope::Tecnico {
                device_id,
                person,
                seccion,
            } => self
                .t
                .rows(TECNICO_FEED, &[&after, seccion, device_id, person, &limit])?,
        };
        Ok(rows.iter().map(|r| (r.get(0), position(r.get(1)))).collect())
    }

    fn max_seq(&mut self) -> Result<u64> {
        self.flush()?;
        Ok(self
            .t
            .row("SELECT coalesce(max(feed_seq), 0) FROM docs", &[])?
            .map(|r| position(r.get(0)))
            .unwrap_or(0))
    }

    /// Witnessed at the exchange's time by the database's clock, whichever instance ran it.
    fn witness_seals(&mut self, device: &str, seals: &[&str], _now: i64) -> Result<()> {
        self.wrote = true;
        let now = self.now;
        let seals: Vec<String> = seals.iter().map(|s| s.to_ascii_lowercase()).collect();
        self.t.exec(
            "INSERT INTO seals (seal, device_id, first_seen) SELECT seal, $2, $3 FROM unnest($1::text[]) AS u(seal)
             ON CONFLICT (seal) DO NOTHING",
            &[&seals, &device, &now],
        )?;
        Ok(())
    }

    fn epoch(&mut self) -> Result<u32> {
        Ok(self
            .t
            .row("SELECT value FROM server_meta WHERE key = 'epoch'", &[])?
            .map(|r| u32::try_from(r.get::<_, i64>(0)).unwrap_or(0))
            .unwrap_or(0))
    }

    fn device_heads(&mut self, device: &str, id: &str) -> Result<Option<Vec<Head>>> {
        if device == self.ahead_device
            && let Some(heads) = self.ahead_heads.remove(id)
        {
            return Ok(heads);
        }
        self.flush()?;
        Ok(self
            .t
            .row(
                "SELECT heads FROM device_docs WHERE device_id = $1 AND doc_id = $2",
                &[&device, &id],
            )?
            .and_then(|r| r.get::<_, Option<&[u8]>>(0).map(unpack)))
    }

    fn set_device_heads(&mut self, device: &str, id: &str, heads: &[Head]) -> Result<()> {
        self.hold_device_doc(device, id, false)?;
        self.writes.heads.push((device.to_owned(), id.to_owned(), pack(heads)));
        Ok(())
    }

    fn set_pending(&mut self, device: &str, id: &str, heads: &[Head], at: u64) -> Result<()> {
        self.hold_device_doc(device, id, true)?;
        self.writes
            .pending
            .push((device.to_owned(), id.to_owned(), pack(heads), cursor(at)));
        Ok(())
    }

    fn confirm_pending(&mut self, device: &str, at: u64) -> Result<()> {
        self.flush()?;
        self.ahead_heads.clear();
        self.t.exec(
            "UPDATE device_docs SET heads = pending, pending = NULL, pending_cursor = NULL
             WHERE device_id = $1 AND pending_cursor IS NOT NULL AND pending_cursor <= $2",
            &[&device, &cursor(at)],
        )?;
        Ok(())
    }
}
