//! Small encrypted key–value settings (the device's signing key) and folio counters.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

pub const MIGRATION_1: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE folio_counters (prefix TEXT PRIMARY KEY, last INTEGER NOT NULL);
";

pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn put(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Next folio sequence number for a prefix (`RT-2026-T07`), inside the caller's
/// transaction so a folio is never handed out twice.
pub fn next_folio_seq(conn: &Connection, prefix: &str) -> Result<i64> {
    Ok(conn.query_row(
        "INSERT INTO folio_counters (prefix, last) VALUES (?1, 1)
         ON CONFLICT(prefix) DO UPDATE SET last = last + 1
         RETURNING last",
        [prefix],
        |r| r.get(0),
    )?)
}
