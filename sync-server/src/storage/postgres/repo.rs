//! The sync algorithm's view of PostgreSQL ([`DocRepo`]), inside one exchange's
//! REPEATABLE READ transaction. Documents are kept as in the embedded store — a snapshot
//! plus appended change rows, compacted once enough gather — but stored without a feed
//! position: [`number_feed`] gives them theirs at commit.

use automerge::Automerge;
use brigada_record::protocol::Head;

use super::{LOCK_FEED, Tx, now};
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
    wrote: bool,
    new_asset: bool,
}

impl<'t, 'c> Repo<'t, 'c> {
    pub(super) fn new(t: &'t mut Tx<'c>) -> Self {
        Repo {
            t,
            wrote: false,
            new_asset: false,
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

impl DocRepo for Repo<'_, '_> {
    fn load(&mut self, id: &str) -> Result<Option<Automerge>> {
        let Some(row) = self.t.row("SELECT snapshot FROM docs WHERE id = $1", &[&id])? else {
            return Ok(None);
        };
        let snap: &[u8] = row.get(0);
        let mut d = Automerge::load(snap).map_err(|e| ServerError::Storage(format!("document {id}: {e}")))?;
        for c in self
            .t
            .rows("SELECT data FROM doc_changes WHERE doc_id = $1 ORDER BY seq", &[&id])?
        {
            d.load_incremental(c.get::<_, &[u8]>(0))
                .map_err(|e| ServerError::Storage(format!("document {id}: {e}")))?;
        }
        Ok(Some(d))
    }

    fn meta(&mut self, id: &str) -> Result<Option<DocMeta>> {
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
        let kind = if row.get::<_, &str>(0) == "asset" {
            DocKind::Asset
        } else {
            DocKind::Expediente
        };
        Ok(Some(DocMeta {
            kind,
            seccion: row.get(1),
            assignees,
            creator_device: row.get(2),
            blobs,
            folio: row.get(3),
        }))
    }

    fn folio_holder(&mut self, folio: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .t
            .row(
                "SELECT id FROM docs WHERE folio = $1 AND id <> $2 LIMIT 1",
                &[&folio, &id],
            )?
            .map(|r| r.get(0)))
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
        let t = now();
        match added {
            None => {
                self.new_asset |= meta.kind == DocKind::Asset;
                let inserted = self.t.exec(
                    "INSERT INTO docs (id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio)
                     VALUES ($1, $2, $3, $4, $5, NULL, $6, $7) ON CONFLICT (id) DO NOTHING",
                    &[
                        &id,
                        &meta.kind.as_str(),
                        &meta.seccion,
                        &meta.creator_device,
                        &doc.save(),
                        &t,
                        &meta.folio,
                    ],
                )?;
                if inserted == 0 {
                    // Another request stored it first: run this one again over it.
                    return Err(ServerError::Busy(format!(
                        "document {id} stored by a concurrent request"
                    )));
                }
            }
            Some(bytes) => {
                self.t
                    .exec("INSERT INTO doc_changes (doc_id, data) VALUES ($1, $2)", &[&id, &bytes])?;
                self.t.exec(
                    "UPDATE docs SET seccion = $2, feed_seq = NULL, updated_at = $3, folio = $4 WHERE id = $1",
                    &[&id, &meta.seccion, &t, &meta.folio],
                )?;
                let n: i64 = self
                    .t
                    .row("SELECT count(*) FROM doc_changes WHERE doc_id = $1", &[&id])?
                    .map(|r| r.get(0))
                    .unwrap_or(0);
                if n >= COMPACT_AFTER {
                    self.t
                        .exec("UPDATE docs SET snapshot = $2 WHERE id = $1", &[&id, &doc.save()])?;
                    self.t.exec("DELETE FROM doc_changes WHERE doc_id = $1", &[&id])?;
                }
            }
        }
        self.t.exec("DELETE FROM doc_assignees WHERE doc_id = $1", &[&id])?;
        for p in &meta.assignees {
            self.t.exec(
                "INSERT INTO doc_assignees (person, doc_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[p, &id],
            )?;
        }
        self.t.exec("DELETE FROM blob_refs WHERE doc_id = $1", &[&id])?;
        for h in &meta.blobs {
            self.t.exec(
                "INSERT INTO blob_refs (hash, doc_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[h, &id],
            )?;
        }
        Ok(())
    }

    fn feed(&mut self, after: u64, scope: &Scope, limit: usize) -> Result<Vec<(String, u64)>> {
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
        Ok(self
            .t
            .row("SELECT coalesce(max(feed_seq), 0) FROM docs", &[])?
            .map(|r| position(r.get(0)))
            .unwrap_or(0))
    }

    fn witness_seals(&mut self, device: &str, seals: &[&str], now: i64) -> Result<()> {
        self.wrote = true;
        for seal in seals {
            self.t.exec(
                "INSERT INTO seals (seal, device_id, first_seen) VALUES ($1, $2, $3) ON CONFLICT (seal) DO NOTHING",
                &[&seal.to_ascii_lowercase(), &device, &now],
            )?;
        }
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
        Ok(self
            .t
            .row(
                "SELECT heads FROM device_docs WHERE device_id = $1 AND doc_id = $2",
                &[&device, &id],
            )?
            .and_then(|r| r.get::<_, Option<&[u8]>>(0).map(unpack)))
    }

    fn set_device_heads(&mut self, device: &str, id: &str, heads: &[Head]) -> Result<()> {
        self.t.exec(
            "INSERT INTO device_docs (device_id, doc_id, heads) VALUES ($1, $2, $3)
             ON CONFLICT (device_id, doc_id) DO UPDATE SET heads = excluded.heads",
            &[&device, &id, &pack(heads)],
        )?;
        Ok(())
    }

    fn set_pending(&mut self, device: &str, id: &str, heads: &[Head], at: u64) -> Result<()> {
        self.t.exec(
            "INSERT INTO device_docs (device_id, doc_id, pending, pending_cursor) VALUES ($1, $2, $3, $4)
             ON CONFLICT (device_id, doc_id) DO UPDATE SET pending = excluded.pending, pending_cursor = excluded.pending_cursor",
            &[&device, &id, &pack(heads), &cursor(at)],
        )?;
        Ok(())
    }

    fn confirm_pending(&mut self, device: &str, at: u64) -> Result<()> {
        self.t.exec(
            "UPDATE device_docs SET heads = pending, pending = NULL, pending_cursor = NULL
             WHERE device_id = $1 AND pending_cursor IS NOT NULL AND pending_cursor <= $2",
            &[&device, &cursor(at)],
        )?;
        Ok(())
    }
}
