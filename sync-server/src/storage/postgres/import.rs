//! Moving a deployment from the embedded SQLite to PostgreSQL (`brigada-sync migrate`).
//!
//! Everything is copied in one PostgreSQL transaction, so a run cut short leaves nothing
//! and the next starts over; rows are inserted only where absent, so running it again
//! after it finished changes nothing and verifies again. Feed positions, seal positions
//! and the server's generation are kept as they were, so every device's cursor and known
//! heads stay valid: devices go on syncing without resending or enrolling again.
//!
//! Before it commits the copy is verified: the same rows in every table, column by column
//! (a run after the source changed — a device revoked meanwhile — is refused, not taken
//! for done), the same heads for every document (each loaded from both databases), and
//! every photo in the data folder hashing to its name. Any difference — or a database
//! already holding records that are not this deployment's — rolls everything back with
//! the reason.
//!
//! The source is held with SQLite's write lock for the whole move, so a server still
//! running on it cannot acknowledge anything meanwhile; once the move commits, the source
//! is marked as moved and the embedded server refuses to serve it again
//! ([`crate::open_storage`]).

use std::path::Path;

use automerge::Automerge;
use postgres::IsolationLevel;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::repo::Repo;
use super::{LOCK_ENROL, LOCK_FEED, LOCK_TAGS, PgStorage, Tx};
use crate::error::{Result, ServerError};
use crate::storage::DocRepo;
use crate::storage::sqlite::{SqliteStorage, db_path, load_doc};

/// What a migration moved and checked.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Moved {
    pub devices: u64,
    pub documents: u64,
    pub seals: u64,
    pub tag_ranges: u64,
    /// Photos and signatures in the data folder, each hashed.
    pub blobs: u64,
    /// The database already held all of it (a second run): nothing was written.
    pub already: bool,
}

fn mismatch(what: impl std::fmt::Display) -> ServerError {
    ServerError::Storage(format!(
        "the copy does not match the original ({what}); nothing was moved"
    ))
}

fn heads(d: &Automerge) -> Vec<automerge::ChangeHash> {
    let mut h = d.get_heads();
    h.sort();
    h
}

impl PgStorage {
    /// Copy the embedded database in `data` into this one and verify the copy.
    pub fn import(&self, data: &Path) -> Result<Moved> {
        // Brings the embedded schema up to date first (as serving it would).
        drop(SqliteStorage::open(data)?);
        let mut src = rusqlite::Connection::open(db_path(data))?;
        src.busy_timeout(std::time::Duration::from_secs(10))?;
        // One snapshot of the source, and no writer on it, for the whole move.
        let src = src.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let blobs = check_blobs(data)?;
        let moved = self
            .run_once(IsolationLevel::ReadCommitted, |t| {
                // No instance writes while the copy is made.
                for lock in [LOCK_ENROL, LOCK_TAGS, LOCK_FEED] {
                    t.lock(lock)?;
                }
                let written = copy(&src, t)?;
                let moved = verify(&src, t, blobs)?;
                Ok(Moved {
                    already: written == 0,
                    ..moved
                })
            })
            .map_err(|e| match e {
                // A unique key of the database refused a row (two expedientes with one
                // folio in an old embedded database): not a race to run again.
                ServerError::Busy(detail) => ServerError::Storage(format!("{detail}; nothing was moved")),
                e => e,
            })?;
        src.execute(
            "INSERT OR REPLACE INTO server_meta (key, value) VALUES ('moved_at', ?1)",
            [chrono::Utc::now().timestamp_millis()],
        )?;
        src.commit()?;
        Ok(moved)
    }
}

/// Every complete photo in the data folder hashes to its name.
fn check_blobs(data: &Path) -> Result<u64> {
    let files = crate::backup::blob_files(&data.join("blobs"))?;
    for (name, path) in &files {
        let bytes = std::fs::read(path).map_err(|e| ServerError::Storage(format!("{}: {e}", path.display())))?;
        if !name.ends_with(&hex::encode(Sha256::digest(&bytes))) {
            return Err(ServerError::Storage(format!(
                "the photo {} does not match its hash (damaged on disk): restore it from a backup before moving; nothing was moved",
                path.display()
            )));
        }
    }
    Ok(files.len() as u64)
}

/// Insert every row the database lacks; the number of rows written.
fn copy(src: &rusqlite::Connection, t: &mut Tx<'_>) -> Result<u64> {
    let mut written = 0;
    let mut st = src.prepare(
        "SELECT id, person, role, seccion, code_hash, code_expires_at, token_hash, device_name, device_code,
                public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at FROM devices",
    )?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (id, person, role, seccion): (String, String, String, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let (code_hash, code_expires_at, token_hash): (Option<String>, Option<i64>, Option<String>) =
            (r.get(4)?, r.get(5)?, r.get(6)?);
        let (device_name, device_code, public_key): (Option<String>, Option<String>, Option<String>) =
            (r.get(7)?, r.get(8)?, r.get(9)?);
        let (created_at, enrolled_at, revoked_at): (i64, Option<i64>, Option<i64>) =
            (r.get(10)?, r.get(11)?, r.get(12)?);
        let (actor, last_sync_at): (Option<String>, Option<i64>) = (r.get(13)?, r.get(14)?);
        written += t.exec(
            "INSERT INTO devices (id, person, role, seccion, code_hash, code_expires_at, token_hash, device_name,
                device_code, public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (id) DO NOTHING",
            &[
                &id,
                &person,
                &role,
                &seccion,
                &code_hash,
                &code_expires_at,
                &token_hash,
                &device_name,
                &device_code,
                &public_key,
                &created_at,
                &enrolled_at,
                &revoked_at,
                &actor,
                &last_sync_at,
            ],
        )?;
    }
    let mut st =
        src.prepare("SELECT id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio FROM docs")?;
    let mut changes = src.prepare("SELECT data FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let id: String = r.get(0)?;
        let (kind, seccion, creator): (String, String, String) = (r.get(1)?, r.get(2)?, r.get(3)?);
        let snapshot: Vec<u8> = r.get(4)?;
        let (feed_seq, updated_at, folio): (i64, i64, Option<String>) = (r.get(5)?, r.get(6)?, r.get(7)?);
        let inserted = t.exec(
            "INSERT INTO docs (id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
            &[
                &id,
                &kind,
                &seccion,
                &creator,
                &snapshot,
                &feed_seq,
                &updated_at,
                &folio,
            ],
        )?;
        written += inserted;
        // A document's change rows come with it, once (they have no key of their own).
        if inserted == 1 {
            for data in changes.query_map([&id], |c| c.get::<_, Vec<u8>>(0))? {
                t.exec("INSERT INTO doc_changes (doc_id, data) VALUES ($1, $2)", &[&id, &data?])?;
            }
        }
    }
    for (select, insert) in [
        (
            "SELECT person, doc_id FROM doc_assignees",
            "INSERT INTO doc_assignees (person, doc_id) VALUES ($1, $2) ON CONFLICT (person, doc_id) DO NOTHING",
        ),
        (
            "SELECT hash, doc_id FROM blob_refs",
            "INSERT INTO blob_refs (hash, doc_id) VALUES ($1, $2) ON CONFLICT (hash, doc_id) DO NOTHING",
        ),
    ] {
        let mut st = src.prepare(select)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let (a, b): (String, String) = (r.get(0)?, r.get(1)?);
            written += t.exec(insert, &[&a, &b])?;
        }
    }
    let mut st = src.prepare("SELECT device_id, doc_id, heads, pending, pending_cursor FROM device_docs")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (device, doc): (String, String) = (r.get(0)?, r.get(1)?);
        let (heads, pending, at): (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>) = (r.get(2)?, r.get(3)?, r.get(4)?);
        written += t.exec(
            "INSERT INTO device_docs (device_id, doc_id, heads, pending, pending_cursor) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device_id, doc_id) DO NOTHING",
            &[&device, &doc, &heads, &pending, &at],
        )?;
    }
    let mut st = src.prepare("SELECT first, last, device_id, allocated_at FROM tag_ranges")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (first, last, device, at): (i64, i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        written += t.exec(
            "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES ($1, $2, $3, $4) ON CONFLICT (first) DO NOTHING",
            &[&first, &last, &device, &at],
        )?;
    }
    let mut st = src.prepare("SELECT seq, seal, device_id, first_seen FROM seals")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (seq, seal, device, first_seen): (i64, String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        written += t.exec(
            "INSERT INTO seals (seq, seal, device_id, first_seen) VALUES ($1, $2, $3, $4) ON CONFLICT (seal) DO NOTHING",
            &[&seq, &seal, &device, &first_seen],
        )?;
    }
    let mut st = src.prepare("SELECT key, value FROM server_meta WHERE key <> 'moved_at'")?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (key, value): (String, i64) = (r.get(0)?, r.get(1)?);
        written += t.exec(
            "INSERT INTO server_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            &[&key, &value],
        )?;
    }
    // New positions continue after the ones kept.
    t.exec(
        "SELECT setval('feed_positions', (SELECT coalesce(max(feed_seq), 0) FROM docs) + 1, false)",
        &[],
    )?;
    t.exec(
        "SELECT setval('seal_positions', (SELECT coalesce(max(seq), 0) FROM seals) + 1, false)",
        &[],
    )?;
    Ok(written)
}

/// Each table as the embedded database and PostgreSQL each write it: every column as text
/// (numbers in decimal, bytes in hex). PostgreSQL's own 'actors' counter and the source's
/// move mark have no twin on the other side.
const TABLES: [(&str, &str, &str); 8] = [
    (
        "devices",
        "SELECT id, person, role, seccion, code_hash, CAST(code_expires_at AS TEXT), token_hash, device_name,
            device_code, public_key, CAST(created_at AS TEXT), CAST(enrolled_at AS TEXT), CAST(revoked_at AS TEXT),
            actor, CAST(last_sync_at AS TEXT) FROM devices",
        "SELECT id, person, role, seccion, code_hash, code_expires_at::text, token_hash, device_name,
            device_code, public_key, created_at::text, enrolled_at::text, revoked_at::text,
            actor, last_sync_at::text FROM devices",
    ),
    (
        "docs",
        "SELECT id, kind, seccion, creator_device, CAST(feed_seq AS TEXT), CAST(updated_at AS TEXT), folio FROM docs",
        "SELECT id, kind, seccion, creator_device, feed_seq::text, updated_at::text, folio FROM docs",
    ),
    (
        "doc_assignees",
        "SELECT person, doc_id FROM doc_assignees",
        "SELECT person, doc_id FROM doc_assignees",
    ),
    (
        "blob_refs",
        "SELECT hash, doc_id FROM blob_refs",
        "SELECT hash, doc_id FROM blob_refs",
    ),
    (
        "device_docs",
        // hex(NULL) is '' in SQLite: NULL stays NULL here as in PostgreSQL.
        "SELECT device_id, doc_id, CASE WHEN heads IS NULL THEN NULL ELSE lower(hex(heads)) END,
            CASE WHEN pending IS NULL THEN NULL ELSE lower(hex(pending)) END, CAST(pending_cursor AS TEXT)
         FROM device_docs",
        "SELECT device_id, doc_id, encode(heads, 'hex'), encode(pending, 'hex'), pending_cursor::text FROM device_docs",
    ),
    (
        "tag_ranges",
        "SELECT CAST(first AS TEXT), CAST(last AS TEXT), device_id, CAST(allocated_at AS TEXT) FROM tag_ranges",
        "SELECT first::text, last::text, device_id, allocated_at::text FROM tag_ranges",
    ),
    (
        "seals",
        "SELECT CAST(seq AS TEXT), seal, device_id, CAST(first_seen AS TEXT) FROM seals",
        "SELECT seq::text, seal, device_id, first_seen::text FROM seals",
    ),
    (
        "server_meta",
        "SELECT key, CAST(value AS TEXT) FROM server_meta WHERE key NOT IN ('actors', 'moved_at')",
        "SELECT key, value::text FROM server_meta WHERE key NOT IN ('actors', 'moved_at')",
    ),
];

/// A row as one value: its columns, NULL told apart from any text.
type Line = Vec<Option<String>>;

/// The same rows on both sides, column by column, and the same heads for every document.
fn verify(src: &rusqlite::Connection, t: &mut Tx<'_>, blobs: u64) -> Result<Moved> {
    let mut counts = std::collections::HashMap::new();
    for (table, here_sql, there_sql) in TABLES {
        let mut st = src.prepare(here_sql)?;
        let width = st.column_count();
        let mut here: Vec<Line> = st
            .query_map([], |r| (0..width).map(|i| r.get::<_, Option<String>>(i)).collect())?
            .collect::<rusqlite::Result<_>>()?;
        let mut there: Vec<Line> = t
            .rows(there_sql, &[])?
            .iter()
            .map(|r| (0..r.len()).map(|i| r.get::<_, Option<String>>(i)).collect())
            .collect();
        if there.len() > here.len() {
            return Err(ServerError::Storage(format!(
                "the database already holds records that are not in this data folder ({table}: {} there, {} here): give an empty database; nothing was moved",
                there.len(),
                here.len()
            )));
        }
        here.sort_unstable();
        there.sort_unstable();
        if here != there {
            let differ = here.iter().filter(|l| there.binary_search(l).is_err()).count();
            return Err(mismatch(format!(
                "{table}: {differ} of {} rows differ there — the data folder changed after an earlier move, or the database was used since",
                here.len()
            )));
        }
        counts.insert(table, here.len() as u64);
    }
    let ids: Vec<String> = src
        .prepare("SELECT id FROM docs ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let now = t.clock()?;
    let mut repo = Repo::new(t, now);
    for id in &ids {
        let original = load_doc(src, id)?.map(|d| heads(&d));
        let copied = repo.load(id)?.map(|d| heads(&d));
        if original != copied {
            return Err(mismatch(format!("document {id} has other changes there")));
        }
    }
    Ok(Moved {
        devices: counts["devices"],
        documents: counts["docs"],
        seals: counts["seals"],
        tag_ranges: counts["tag_ranges"],
        blobs,
        already: false,
    })
}
