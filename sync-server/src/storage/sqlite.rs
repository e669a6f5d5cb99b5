//! The embedded SQLite storage: one file under the data folder, WAL, `synchronous = FULL`.
//!
//! One connection guarded by a mutex: SQLite has one writer anyway, and a sync exchange is
//! one transaction. Documents are kept as a snapshot plus appended change rows, compacted
//! in the same transaction once enough gather.

use std::path::Path;
use std::sync::Mutex;

use automerge::Automerge;
use brigada_record::protocol::{Head, SealSeen, SyncRequest, SyncResponse, TagRange, TagsKept};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::{DocKind, DocMeta, DocRepo, Enrolment, Holder, Holders, Scope, Storage, pack, unpack};
use crate::devices::{Device, Role};
use crate::error::{Result, ServerError};

const SCHEMA: &[&str] = &[
    "
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    seccion TEXT NOT NULL,
    code_hash TEXT UNIQUE,
    code_expires_at INTEGER,
    token_hash TEXT UNIQUE,
    device_name TEXT,
    device_code TEXT,
    public_key TEXT,
    created_at INTEGER NOT NULL,
    enrolled_at INTEGER,
    revoked_at INTEGER
);
CREATE TABLE docs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    seccion TEXT NOT NULL,
    creator_device TEXT NOT NULL,
    snapshot BLOB NOT NULL,
    feed_seq INTEGER NOT NULL UNIQUE,
    updated_at INTEGER NOT NULL
);
CREATE INDEX docs_by_seccion ON docs (seccion, feed_seq);
CREATE TABLE doc_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX doc_changes_by_doc ON doc_changes (doc_id, seq);
CREATE TABLE doc_assignees (
    person TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (person, doc_id)
) WITHOUT ROWID;
CREATE INDEX doc_assignees_by_doc ON doc_assignees (doc_id);
CREATE TABLE device_docs (
    device_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    heads BLOB,
    pending BLOB,
    pending_cursor INTEGER,
    PRIMARY KEY (device_id, doc_id)
) WITHOUT ROWID;
CREATE INDEX device_docs_pending ON device_docs (device_id, pending_cursor) WHERE pending_cursor IS NOT NULL;
CREATE TABLE blob_refs (
    hash TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_doc ON blob_refs (doc_id);
",
    "
CREATE TABLE tag_ranges (
    first INTEGER PRIMARY KEY,
    last INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    allocated_at INTEGER NOT NULL
);
",
    // One expediente per folio: the folio of each expediente, for the check on arrival
    // (filled for documents stored before this version when the server opens).
    "
ALTER TABLE docs ADD COLUMN folio TEXT;
CREATE INDEX docs_by_folio ON docs (folio);
",
    // Proven authors: the Automerge actor each device writes with.
    "
ALTER TABLE devices ADD COLUMN actor TEXT;
CREATE INDEX devices_by_actor ON devices (actor);
",
    // The server's generation (changed by each restore from backup; in every cursor).
    "
CREATE TABLE server_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
",
    // The server's witness of each signature: when it first received the seal.
    "
CREATE TABLE seals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    seal TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    first_seen INTEGER NOT NULL
);
",
    // When each device last completed a sync exchange (the server's clock): the office
    // sees which tablets have not synced lately.
    "
ALTER TABLE devices ADD COLUMN last_sync_at INTEGER;
",
    // A técnico's feed read through one index per way a document is in scope (see
    // TECNICO_FEED): equipment, their sección (docs_by_seccion), what their device created.
    "
CREATE INDEX docs_by_kind ON docs (kind, feed_seq);
CREATE INDEX docs_by_creator ON docs (creator_device, feed_seq);
",
];

/// The schema that added the seal witness (seals stored before it are backfilled).
const SEALS_SCHEMA: i64 = 6;

const COMPACT_AFTER: i64 = 64;

pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The embedded database's file in a data folder.
pub fn db_path(dir: &Path) -> std::path::PathBuf {
    dir.join("brigada-sync.db")
}

impl SqliteStorage {
    pub fn open(dir: &Path) -> Result<SqliteStorage> {
        // The data folder holds every document and photo: the server's user only.
        crate::private::dir(dir).map_err(|e| ServerError::Storage(format!("cannot create {}: {e}", dir.display())))?;
        let path = db_path(dir);
        let mut conn = Connection::open(&path)?;
        crate::private::file(&path)
            .map_err(|e| ServerError::Storage(format!("cannot restrict {}: {e}", path.display())))?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA.len() as i64 {
            return Err(ServerError::Storage(format!(
                "the database has schema {version}, this server knows {}: update brigada-sync",
                SCHEMA.len()
            )));
        }
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        for sql in &SCHEMA[version as usize..] {
            tx.execute_batch(sql)?;
        }
        tx.pragma_update(None, "user_version", SCHEMA.len() as i64)?;
        backfill_folios(&tx)?;
        if version < SEALS_SCHEMA {
            backfill_seals(&tx)?;
        }
        tx.commit()?;
        Ok(SqliteStorage { conn: Mutex::new(conn) })
    }

    /// When `brigada-sync migrate` moved this deployment to PostgreSQL, if it did.
    pub fn moved_at(&self) -> Result<Option<i64>> {
        self.with(|c| {
            Ok(
                c.query_row("SELECT value FROM server_meta WHERE key = 'moved_at'", [], |r| r.get(0))
                    .optional()?,
            )
        })
    }

    /// Run `f` with the one connection. A request that panicked while holding it left
    /// nothing half-done (its transaction rolled back as the panic unwound), so the lock
    /// is taken back rather than refusing every later request.
    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut c = self.conn.lock().unwrap_or_else(|poisoned| {
            tracing::error!("a request panicked while holding the database; its transaction was rolled back");
            self.conn.clear_poison();
            poisoned.into_inner()
        });
        f(&mut c)
    }
}

/// A transaction that reads, then writes: it takes the write lock first. Begun as a reader,
/// SQLite would refuse its write at once (without waiting) if another connection — the
/// administrator's command in another process — committed in between.
fn write_tx(c: &mut Connection) -> rusqlite::Result<Transaction<'_>> {
    c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    let role: String = r.get(2)?;
    Ok(Device {
        id: r.get(0)?,
        person: r.get(1)?,
        role: Role::parse(&role).unwrap_or(Role::Tecnico),
        seccion: r.get(3)?,
        device_name: r.get(4)?,
        device_code: r.get(5)?,
        public_key: r.get(6)?,
        created_at: r.get(7)?,
        enrolled_at: r.get(8)?,
        revoked_at: r.get(9)?,
        actor: r.get(10)?,
        last_sync_at: r.get(11)?,
    })
}

const DEVICE_COLS: &str = "id, person, role, seccion, device_name, device_code, public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at";

impl Storage for SqliteStorage {
    fn add_device(&self, person: &str, role: Role, seccion: &str, code_hash: &str, expires_at: i64) -> Result<Device> {
        let id = uuid::Uuid::now_v7().to_string();
        self.with(|c| {
            c.execute(
                "INSERT INTO devices (id, person, role, seccion, code_hash, code_expires_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, person, role.as_str(), seccion, code_hash, expires_at, now()],
            )?;
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [&id],
                device_row,
            )?)
        })
    }

    fn enroll(&self, code_hash: &str, e: &Enrolment, token_hash: &str, now: i64) -> Result<Device> {
        self.with(|c| {
            let tx = write_tx(c)?;
            let id: Option<String> = tx
                .query_row(
                    "SELECT id FROM devices WHERE code_hash = ?1 AND code_expires_at > ?2 AND revoked_at IS NULL",
                    params![code_hash, now],
                    |r| r.get(0),
                )
                .optional()?;
            let id = id.ok_or(ServerError::BadCode)?;
            // Who already holds the key, the folio code and the actor this device claims.
            let holder = |sql: &str, p: &[&dyn rusqlite::ToSql]| -> rusqlite::Result<Option<Holder>> {
                tx.query_row(sql, p, |r| {
                    Ok(Holder {
                        person: r.get(0)?,
                        device_name: r.get(1)?,
                    })
                })
                .optional()
            };
            let holders = Holders {
                key: holder(
                    "SELECT person, device_name FROM devices WHERE public_key = ?1 AND id <> ?2
                     AND enrolled_at IS NOT NULL AND revoked_at IS NULL LIMIT 1",
                    params![e.public_key, id],
                )?,
                code: holder(
                    "SELECT person, device_name FROM devices WHERE device_code = ?1 AND id <> ?2
                     AND enrolled_at IS NOT NULL AND coalesce(public_key, '') <> ?3 LIMIT 1",
                    params![e.device_code, id, e.public_key],
                )?,
                actor: match &e.actor {
                    Some(actor) => holder(
                        "SELECT person, device_name FROM devices WHERE actor = ?1 AND id <> ?2
                         AND coalesce(public_key, '') <> ?3 LIMIT 1",
                        params![actor, id, e.public_key],
                    )?,
                    None => None,
                },
            };
            holders.check(e)?;
            tx.execute(
                "UPDATE devices SET code_hash = NULL, code_expires_at = NULL, token_hash = ?2, device_name = ?3,
                    device_code = ?4, public_key = ?5, enrolled_at = ?6, actor = ?7 WHERE id = ?1",
                params![id, token_hash, e.device_name, e.device_code, e.public_key, now, e.actor],
            )?;
            let d = tx.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE id = ?1"),
                [&id],
                device_row,
            )?;
            tx.commit()?;
            Ok(d)
        })
    }

    fn device_by_token(&self, token_hash: &str) -> Result<Option<Device>> {
        self.with(|c| {
            Ok(c.query_row(
                &format!("SELECT {DEVICE_COLS} FROM devices WHERE token_hash = ?1"),
                [token_hash],
                device_row,
            )
            .optional()?)
        })
    }

    fn devices(&self) -> Result<Vec<Device>> {
        self.with(|c| {
            let mut s = c.prepare(&format!("SELECT {DEVICE_COLS} FROM devices ORDER BY created_at"))?;
            Ok(s.query_map([], device_row)?.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }

    fn revoke(&self, id: &str, now: i64) -> Result<bool> {
        self.with(|c| {
            Ok(c.execute(
                "UPDATE devices SET revoked_at = coalesce(revoked_at, ?2), code_hash = NULL WHERE id = ?1",
                params![id, now],
            )? == 1)
        })
    }

    fn blob_visible(&self, device: &Device, hash: &str) -> Result<bool> {
        self.with(|c| {
            let found = match Scope::of(device) {
                Scope::All => c
                    .query_row("SELECT 1 FROM blob_refs WHERE hash = ?1 LIMIT 1", [hash], |_| Ok(()))
                    .optional()?,
                Scope::Tecnico {
                    device_id,
                    person,
                    seccion,
                } => c
                    .query_row(
                        &format!(
                            "SELECT 1 FROM blob_refs r JOIN docs d ON d.id = r.doc_id
                             WHERE r.hash = ?1 AND {TECNICO_SCOPE} LIMIT 1"
                        ),
                        params![hash, seccion, device_id, person],
                        |_| Ok(()),
                    )
                    .optional()?,
            };
            Ok(found.is_some())
        })
    }

    fn allocate_tags(&self, device: &Device, count: u32, now: i64) -> Result<TagRange> {
        self.with(|c| {
            let tx = write_tx(c)?;
            let allocated: u32 = tx.query_row("SELECT coalesce(max(last), 0) FROM tag_ranges", [], |r| r.get(0))?;
            let registered: Vec<u32> = tx
                .prepare("SELECT id FROM docs WHERE kind = 'asset'")?
                .query_map([], |r| r.get::<_, String>(0))?
                .filter_map(|id| id.ok()?.strip_prefix("asset:").and_then(brigada_record::tag::number))
                .collect();
            let TagRange { first, last: end } = super::next_tag_block(allocated, registered, count)?;
            tx.execute(
                "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES (?1, ?2, ?3, ?4)",
                params![first, end, device.id, now],
            )?;
            tx.commit()?;
            Ok(TagRange { first, last: end })
        })
    }

    fn keep_tag_ranges(&self, device: &Device, ranges: &[TagRange], now: i64) -> Result<TagsKept> {
        self.with(|c| {
            let tx = write_tx(c)?;
            let mut kept = TagsKept::default();
            for r in ranges {
                let overlapping: Vec<(u32, u32, String)> = tx
                    .prepare_cached("SELECT first, last, device_id FROM tag_ranges WHERE first <= ?2 AND last >= ?1")?
                    .query_map(params![r.first, r.last], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                if super::classify_kept(&mut kept, &overlapping, r, device) {
                    tx.execute(
                        "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES (?1, ?2, ?3, ?4)",
                        params![r.first, r.last, device.id, now],
                    )?;
                }
            }
            tx.commit()?;
            Ok(kept)
        })
    }

    fn seals(&self, after: i64, limit: usize) -> Result<Vec<SealSeen>> {
        self.with(|c| {
            let mut st =
                c.prepare_cached("SELECT seq, seal, first_seen FROM seals WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let rows = st.query_map(params![after, limit as i64], |r| {
                Ok(SealSeen {
                    seq: r.get(0)?,
                    seal: r.get(1)?,
                    first_seen: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn sync(&self, device: &Device, req: &SyncRequest) -> Result<SyncResponse> {
        self.with(|c| {
            let tx = write_tx(c)?;
            let resp = crate::sync::exchange(&mut Repo { tx: &tx }, device, req)?;
            tx.execute(
                "UPDATE devices SET last_sync_at = ?2 WHERE id = ?1",
                params![device.id, now()],
            )?;
            tx.commit()?;
            Ok(resp)
        })
    }
}

/// The scope condition on `docs d`, shared by the feed and blob checks. Parameters:
/// ?2 sección, ?3 device id, ?4 person.
/// A técnico's feed after ?1: the union of the ways a document is in scope, each read
/// through its own index and cut at ?5 (a filter over the whole feed read every document
/// after the cursor: a new tablet's first sync grew with the server). ?2 sección, ?3
/// device id, ?4 person; the same documents as [`TECNICO_SCOPE`].
const TECNICO_FEED: &str = "SELECT id, feed_seq FROM (
    SELECT * FROM (SELECT id, feed_seq FROM docs WHERE kind = 'asset' AND feed_seq > ?1 ORDER BY feed_seq LIMIT ?5)
    UNION SELECT * FROM (SELECT id, feed_seq FROM docs WHERE seccion = ?2 AND ?2 <> '' AND feed_seq > ?1
                         ORDER BY feed_seq LIMIT ?5)
    UNION SELECT * FROM (SELECT id, feed_seq FROM docs WHERE creator_device = ?3 AND feed_seq > ?1
                         ORDER BY feed_seq LIMIT ?5)
    UNION SELECT * FROM (SELECT d.id, d.feed_seq FROM doc_assignees a JOIN docs d ON d.id = a.doc_id
                         WHERE a.person = ?4 AND d.feed_seq > ?1 ORDER BY d.feed_seq LIMIT ?5)
) ORDER BY feed_seq LIMIT ?5";

const TECNICO_SCOPE: &str = "(d.kind = 'asset' OR (d.seccion = ?2 AND ?2 <> '') OR d.creator_device = ?3
    OR d.id IN (SELECT doc_id FROM doc_assignees WHERE person = ?4))";

struct Repo<'a> {
    tx: &'a Transaction<'a>,
}

/// Fill the folio of expedientes stored before the server kept it (schema 3): read once
/// from each document. Documents that cannot be read keep none.
fn backfill_folios(tx: &Transaction<'_>) -> Result<()> {
    let ids: Vec<String> = tx
        .prepare("SELECT id FROM docs WHERE kind = 'expediente' AND folio IS NULL")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut repo = Repo { tx };
    for id in ids {
        let folio = repo
            .load(&id)
            .ok()
            .flatten()
            .and_then(|d| brigada_record::doc::read::<brigada_record::model::Expediente>(&id, &d).ok())
            .map(|e| e.folio);
        if let Some(folio) = folio {
            tx.execute("UPDATE docs SET folio = ?2 WHERE id = ?1", params![id, folio])?;
        }
    }
    Ok(())
}

/// Witness the seals of expedientes stored before the server kept the witness list, at
/// the time each expediente was last stored (the latest the server could have first
/// received them: an honest upper bound).
fn backfill_seals(tx: &Transaction<'_>) -> Result<()> {
    let docs: Vec<(String, String, i64)> = tx
        .prepare("SELECT id, creator_device, updated_at FROM docs WHERE kind = 'expediente'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut repo = Repo { tx };
    for (id, device, at) in docs {
        let Some(e) = repo
            .load(&id)
            .ok()
            .flatten()
            .and_then(|d| brigada_record::doc::read::<brigada_record::model::Expediente>(&id, &d).ok())
        else {
            continue;
        };
        let seals: Vec<&str> = e.signatures.iter().map(|s| s.seal.as_str()).collect();
        repo.witness_seals(&device, &seals, at)?;
    }
    Ok(())
}

/// A stored document: its snapshot with the change rows appended since.
pub(crate) fn load_doc(c: &Connection, id: &str) -> Result<Option<Automerge>> {
    let snap: Option<Vec<u8>> = c
        .query_row("SELECT snapshot FROM docs WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let Some(snap) = snap else { return Ok(None) };
    let mut d = Automerge::load(&snap).map_err(|e| ServerError::Storage(format!("document {id}: {e}")))?;
    let mut s = c.prepare_cached("SELECT data FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
    for change in s.query_map([id], |r| r.get::<_, Vec<u8>>(0))? {
        d.load_incremental(&change?)
            .map_err(|e| ServerError::Storage(format!("document {id}: {e}")))?;
    }
    Ok(Some(d))
}

fn epoch_of(c: &Connection) -> Result<u32> {
    let e: Option<i64> = c
        .query_row("SELECT value FROM server_meta WHERE key = 'epoch'", [], |r| r.get(0))
        .optional()?;
    Ok(e.unwrap_or(0) as u32)
}

impl DocRepo for Repo<'_> {
    fn load(&mut self, id: &str) -> Result<Option<Automerge>> {
        load_doc(self.tx, id)
    }

    fn meta(&mut self, id: &str) -> Result<Option<DocMeta>> {
        let row: Option<(String, String, String, Option<String>)> = self
            .tx
            .query_row(
                "SELECT kind, seccion, creator_device, folio FROM docs WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((kind, seccion, creator_device, folio)) = row else {
            return Ok(None);
        };
        let mut s = self
            .tx
            .prepare_cached("SELECT person FROM doc_assignees WHERE doc_id = ?1")?;
        let assignees = s
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let kind = if kind == "asset" {
            DocKind::Asset
        } else {
            DocKind::Expediente
        };
        let mut s = self.tx.prepare_cached("SELECT hash FROM blob_refs WHERE doc_id = ?1")?;
        let blobs = s
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(Some(DocMeta {
            kind,
            seccion,
            assignees,
            creator_device,
            blobs,
            folio,
        }))
    }

    fn folio_holder(&mut self, folio: &str, id: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .query_row(
                "SELECT id FROM docs WHERE folio = ?1 AND id <> ?2 LIMIT 1",
                [folio, id],
                |r| r.get(0),
            )
            .optional()?)
    }

    fn tag_allocated(&mut self, number: u32) -> Result<bool> {
        Ok(self.tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM tag_ranges WHERE first <= ?1 AND last >= ?1)",
            [number],
            |r| r.get(0),
        )?)
    }

    fn bind_actor(&mut self, device: &str, actor: &str) -> Result<bool> {
        self.tx.execute(
            "UPDATE devices SET actor = ?2 WHERE id = ?1 AND actor IS NULL
             AND NOT EXISTS (SELECT 1 FROM devices WHERE actor = ?2 AND id <> ?1)",
            params![device, actor],
        )?;
        let bound: Option<String> = self
            .tx
            .query_row("SELECT actor FROM devices WHERE id = ?1", [device], |r| r.get(0))
            .optional()?
            .flatten();
        Ok(bound.as_deref() == Some(actor))
    }

    fn actor_device(&mut self, actor: &str) -> Result<Option<(String, String)>> {
        Ok(self
            .tx
            .query_row(
                "SELECT person, coalesce(device_name, '') FROM devices WHERE actor = ?1 ORDER BY created_at LIMIT 1",
                [actor],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn store(&mut self, id: &str, doc: &Automerge, added: Option<&[u8]>, meta: &DocMeta) -> Result<()> {
        let seq = self.max_seq()? + 1;
        let t = now();
        match added {
            None => {
                self.tx.execute(
                    "INSERT INTO docs (id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        id,
                        meta.kind.as_str(),
                        meta.seccion,
                        meta.creator_device,
                        doc.save(),
                        seq as i64,
                        t,
                        meta.folio
                    ],
                )?;
            }
            Some(bytes) => {
                self.tx.execute(
                    "INSERT INTO doc_changes (doc_id, data) VALUES (?1, ?2)",
                    params![id, bytes],
                )?;
                self.tx.execute(
                    "UPDATE docs SET seccion = ?2, feed_seq = ?3, updated_at = ?4, folio = ?5 WHERE id = ?1",
                    params![id, meta.seccion, seq as i64, t, meta.folio],
                )?;
                let n: i64 = self
                    .tx
                    .query_row("SELECT count(*) FROM doc_changes WHERE doc_id = ?1", [id], |r| r.get(0))?;
                if n >= COMPACT_AFTER {
                    self.tx
                        .execute("UPDATE docs SET snapshot = ?2 WHERE id = ?1", params![id, doc.save()])?;
                    self.tx.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id])?;
                }
            }
        }
        self.tx.execute("DELETE FROM doc_assignees WHERE doc_id = ?1", [id])?;
        for p in &meta.assignees {
            self.tx.execute(
                "INSERT OR IGNORE INTO doc_assignees (person, doc_id) VALUES (?1, ?2)",
                [p, id],
            )?;
        }
        self.tx.execute("DELETE FROM blob_refs WHERE doc_id = ?1", [id])?;
        for h in &meta.blobs {
            self.tx.execute(
                "INSERT OR IGNORE INTO blob_refs (hash, doc_id) VALUES (?1, ?2)",
                [h, id],
            )?;
        }
        Ok(())
    }

    fn feed(&mut self, cursor: u64, scope: &Scope, limit: usize) -> Result<Vec<(String, u64)>> {
        let rows = match scope {
            Scope::All => {
                let mut s = self
                    .tx
                    .prepare_cached("SELECT id, feed_seq FROM docs WHERE feed_seq > ?1 ORDER BY feed_seq LIMIT ?2")?;
                s.query_map(params![cursor as i64, limit as i64], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
            }
            Scope::Tecnico {
                device_id,
                person,
                seccion,
            } => {
                let mut s = self.tx.prepare_cached(TECNICO_FEED)?;
                s.query_map(params![cursor as i64, seccion, device_id, person, limit as i64], |r| {
                    Ok((r.get(0)?, r.get::<_, i64>(1)? as u64))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?
            }
        };
        Ok(rows)
    }

    fn max_seq(&mut self) -> Result<u64> {
        Ok(self
            .tx
            .query_row("SELECT coalesce(max(feed_seq), 0) FROM docs", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }

    fn witness_seals(&mut self, device: &str, seals: &[&str], now: i64) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO seals (seal, device_id, first_seen) VALUES (?1, ?2, ?3) ON CONFLICT (seal) DO NOTHING",
        )?;
        for seal in seals {
            st.execute(params![seal.to_ascii_lowercase(), device, now])?;
        }
        Ok(())
    }

    fn epoch(&mut self) -> Result<u32> {
        epoch_of(self.tx)
    }

    fn device_heads(&mut self, device: &str, id: &str) -> Result<Option<Vec<Head>>> {
        let h: Option<Option<Vec<u8>>> = self
            .tx
            .query_row(
                "SELECT heads FROM device_docs WHERE device_id = ?1 AND doc_id = ?2",
                [device, id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(h.flatten().map(|b| unpack(&b)))
    }

    fn set_device_heads(&mut self, device: &str, id: &str, heads: &[Head]) -> Result<()> {
        self.tx.execute(
            "INSERT INTO device_docs (device_id, doc_id, heads) VALUES (?1, ?2, ?3)
             ON CONFLICT(device_id, doc_id) DO UPDATE SET heads = excluded.heads",
            params![device, id, pack(heads)],
        )?;
        Ok(())
    }

    fn set_pending(&mut self, device: &str, id: &str, heads: &[Head], cursor: u64) -> Result<()> {
        self.tx.execute(
            "INSERT INTO device_docs (device_id, doc_id, pending, pending_cursor) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(device_id, doc_id) DO UPDATE SET pending = excluded.pending, pending_cursor = excluded.pending_cursor",
            params![device, id, pack(heads), cursor as i64],
        )?;
        Ok(())
    }

    fn confirm_pending(&mut self, device: &str, cursor: u64) -> Result<()> {
        self.tx.execute(
            "UPDATE device_docs SET heads = pending, pending = NULL, pending_cursor = NULL
             WHERE device_id = ?1 AND pending_cursor IS NOT NULL AND pending_cursor <= ?2",
            params![device, cursor as i64],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_inside_a_request_neither_stops_the_storage_nor_leaves_half_a_write() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStorage::open(dir.path()).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.with(|c| {
                let tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO devices (id, person, role, seccion, created_at) VALUES ('x', 'Nadie', 'tecnico', '', 0)",
                    [],
                )?;
                panic!("a defect in the middle of a write");
                #[allow(unreachable_code)]
                Ok(())
            })
        }));
        assert!(outcome.is_err());
        // The next request is served, and the interrupted write is not there.
        assert!(s.devices().expect("the storage still serves").is_empty());
        let d = s.add_device("Ana", Role::Tecnico, "RT", "h", 0).unwrap();
        assert_eq!(s.devices().unwrap(), vec![d]);
    }
}

#[cfg(test)]
mod two_writers {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// The administrator adds devices (another process: another connection) while tablets
    /// enrol. An enrolment reads, then writes: begun as a reader, SQLite refuses its write
    /// at once (no waiting) when the other connection committed in between, and the tablet
    /// got a 500. Each read-then-write transaction takes the write lock first.
    #[test]
    fn enrolments_are_not_refused_while_another_connection_adds_devices() {
        let dir = tempfile::tempdir().unwrap();
        let a = SqliteStorage::open(dir.path()).unwrap();
        let b = SqliteStorage::open(dir.path()).unwrap();
        let codes: Vec<String> = (0..300)
            .map(|i| {
                let code = format!("code-{i}");
                a.add_device("Ana", Role::Tecnico, "RT", &code, i64::MAX).unwrap();
                code
            })
            .collect();
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    b.add_device("Otro", Role::Tecnico, "", &format!("other-{n}"), i64::MAX)
                        .unwrap();
                    n += 1;
                }
            });
            for (i, code) in codes.iter().enumerate() {
                let e = Enrolment {
                    device_name: format!("Tablet {i}"),
                    device_code: format!("T{i}"),
                    public_key: format!("key-{i}"),
                    actor: None,
                };
                let outcome = a.enroll(code, &e, &format!("token-{i}"), 0);
                if outcome.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                outcome.unwrap();
                let range = a.allocate_tags(&a.device_by_token(&format!("token-{i}")).unwrap().unwrap(), 10, 0);
                if range.is_err() {
                    stop.store(true, Ordering::Relaxed);
                }
                range.unwrap();
            }
            stop.store(true, Ordering::Relaxed);
        });
    }
}
