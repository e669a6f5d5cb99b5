//! What this device knows about its sync with the server.
//!
//! - `doc_versions`: a local version number per document, bumped by triggers on every
//!   stored change, so "what changed since the last sync" is one indexed query;
//! - `sync_docs`: per document, the heads both sides had after the last exchange and the
//!   local version that was pushed;
//! - `sync_settings`: server URL, device token (inside the encrypted database, so a lost
//!   tablet does not leak it) and the server feed cursor.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::sync::protocol::Head;

pub const MIGRATION_1: &str = "
CREATE TABLE doc_versions (doc_id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX doc_versions_by_seq ON doc_versions (seq);
INSERT INTO doc_versions (doc_id, seq) SELECT id, row_number() OVER (ORDER BY id) FROM documents;
CREATE TRIGGER doc_version_on_insert AFTER INSERT ON documents BEGIN
    INSERT OR REPLACE INTO doc_versions (doc_id, seq)
    VALUES (NEW.id, (SELECT coalesce(max(seq), 0) + 1 FROM doc_versions));
END;
CREATE TRIGGER doc_version_on_change AFTER INSERT ON doc_changes BEGIN
    INSERT OR REPLACE INTO doc_versions (doc_id, seq)
    VALUES (NEW.doc_id, (SELECT coalesce(max(seq), 0) + 1 FROM doc_versions));
END;
CREATE TABLE sync_docs (
    doc_id TEXT PRIMARY KEY,
    heads BLOB NOT NULL,
    synced_seq INTEGER NOT NULL
);
CREATE TABLE sync_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
";

/// Documents being negotiated with the Automerge sync protocol (when the two sides do not
/// know what they share), with the protocol state.
pub const MIGRATION_2: &str = "
CREATE TABLE sync_sessions (doc_id TEXT PRIMARY KEY, state BLOB NOT NULL);
";

pub fn sessions(conn: &Connection) -> Result<Vec<(String, Vec<u8>)>> {
    let mut s = conn.prepare_cached("SELECT doc_id, state FROM sync_sessions ORDER BY doc_id")?;
    Ok(s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?)
}

pub fn session(conn: &Connection, doc_id: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT state FROM sync_sessions WHERE doc_id = ?1", [doc_id], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set_session(conn: &Connection, doc_id: &str, state: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_sessions (doc_id, state) VALUES (?1, ?2)
         ON CONFLICT(doc_id) DO UPDATE SET state = excluded.state",
        params![doc_id, state],
    )?;
    Ok(())
}

pub fn end_session(conn: &Connection, doc_id: &str) -> Result<()> {
    conn.execute("DELETE FROM sync_sessions WHERE doc_id = ?1", [doc_id])?;
    Ok(())
}

pub fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM sync_settings WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// A document changed since its last sync.
pub struct Pending {
    pub doc_id: String,
    pub seq: i64,
    pub synced_heads: Option<Vec<Head>>,
}

/// Documents whose local version is newer than what was last synced, in version order,
/// starting after version `after`.
pub fn pending(conn: &Connection, after: i64, limit: usize) -> Result<Vec<Pending>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.doc_id, v.seq, s.heads FROM doc_versions v
         LEFT JOIN sync_docs s ON s.doc_id = v.doc_id
         WHERE v.seq > ?1 AND (s.doc_id IS NULL OR v.seq > s.synced_seq)
         ORDER BY v.seq LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![after, limit as i64], |r| {
            let heads: Option<Vec<u8>> = r.get(2)?;
            Ok(Pending {
                doc_id: r.get(0)?,
                seq: r.get(1)?,
                synced_heads: heads.map(|h| unpack(&h)),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn count_pending(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM doc_versions v LEFT JOIN sync_docs s ON s.doc_id = v.doc_id
         WHERE s.doc_id IS NULL OR v.seq > s.synced_seq",
        [],
        |r| r.get(0),
    )?)
}

pub fn version(conn: &Connection, doc_id: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT seq FROM doc_versions WHERE doc_id = ?1", [doc_id], |r| r.get(0))
        .optional()?)
}

pub fn synced(conn: &Connection, doc_id: &str) -> Result<Option<(Vec<Head>, i64)>> {
    Ok(conn
        .query_row(
            "SELECT heads, synced_seq FROM sync_docs WHERE doc_id = ?1",
            [doc_id],
            |r| Ok((unpack(&r.get::<_, Vec<u8>>(0)?), r.get(1)?)),
        )
        .optional()?)
}

pub fn mark_synced(conn: &Connection, doc_id: &str, heads: &[Head], seq: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_docs (doc_id, heads, synced_seq) VALUES (?1, ?2, ?3)
         ON CONFLICT(doc_id) DO UPDATE SET heads = excluded.heads, synced_seq = excluded.synced_seq",
        params![doc_id, pack(heads), seq],
    )?;
    Ok(())
}

/// Forget what the server has of a document: the next sync sends it whole.
/// Forget what the server was told (after it was restored from a backup): every document
/// is offered again, negotiations start over.
pub fn forget_all(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM sync_docs; DELETE FROM sync_sessions;")?;
    Ok(())
}

pub fn forget(conn: &Connection, doc_id: &str) -> Result<()> {
    conn.execute("DELETE FROM sync_docs WHERE doc_id = ?1", [doc_id])?;
    Ok(())
}

fn pack(heads: &[Head]) -> Vec<u8> {
    heads.concat()
}

fn unpack(bytes: &[u8]) -> Vec<Head> {
    bytes
        .chunks_exact(32)
        .map(|c| <Head>::try_from(c).unwrap_or([0; 32]))
        .collect()
}
