//! Automerge documents at rest: a compacted snapshot plus the changes made since.
//!
//! An edit appends one change row (small, fast to write durably). When a document has
//! gathered [`COMPACT_AFTER`] changes, its full save replaces snapshot and changes in the
//! same transaction, so compaction can never lose a change: either the new snapshot (which
//! contains them all) is committed, or nothing is.

use automerge::Automerge;
use rusqlite::{Connection, OptionalExtension, params};

use crate::doc;
use crate::error::Result;

pub const MIGRATION_1: &str = "
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    snapshot BLOB NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE doc_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL REFERENCES documents(id),
    data BLOB NOT NULL
);
CREATE INDEX doc_changes_by_doc ON doc_changes (doc_id, seq);
";

pub const COMPACT_AFTER: i64 = 64;

pub use brigada_record::model::DocKind;

pub fn exists(conn: &Connection, id: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM documents WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn kind_of(conn: &Connection, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT kind FROM documents WHERE id = ?1", [id], |r| r.get(0))
        .optional()?)
}

pub fn load(conn: &Connection, id: &str) -> Result<Option<Automerge>> {
    let snapshot: Option<Vec<u8>> = conn
        .query_row("SELECT snapshot FROM documents WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    let Some(snapshot) = snapshot else { return Ok(None) };
    let mut stmt = conn.prepare_cached("SELECT data FROM doc_changes WHERE doc_id = ?1 ORDER BY seq")?;
    let changes = stmt
        .query_map([id], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(doc::load_stored(id, &snapshot, &changes)?))
}

/// Create the row for a new document with its full first save.
pub fn insert(conn: &Connection, id: &str, kind: DocKind, doc: &Automerge, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO documents (id, kind, snapshot, updated_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, kind.as_str(), doc.save(), now],
    )?;
    Ok(())
}

/// Append one encoded change; compact when enough have gathered.
pub fn append(conn: &Connection, id: &str, change: &[u8], doc: &Automerge, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO doc_changes (doc_id, data) VALUES (?1, ?2)",
        params![id, change],
    )?;
    conn.execute("UPDATE documents SET updated_at = ?2 WHERE id = ?1", params![id, now])?;
    let pending: i64 = conn.query_row("SELECT count(*) FROM doc_changes WHERE doc_id = ?1", [id], |r| r.get(0))?;
    if pending >= COMPACT_AFTER {
        compact(conn, id, doc)?;
    }
    Ok(())
}

pub fn compact(conn: &Connection, id: &str, doc: &Automerge) -> Result<()> {
    conn.execute(
        "UPDATE documents SET snapshot = ?2 WHERE id = ?1",
        params![id, doc.save()],
    )?;
    conn.execute("DELETE FROM doc_changes WHERE doc_id = ?1", [id])?;
    Ok(())
}

pub fn ids(conn: &Connection, kind: DocKind) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM documents WHERE kind = ?1 ORDER BY id")?;
    let ids = stmt
        .query_map([kind.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}
