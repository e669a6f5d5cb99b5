//! Content-addressed blobs (photos, signature strokes and images), inside the encrypted
//! database so a lost tablet gives nothing away.
//!
//! The key is the SHA-256 of the bytes: storing the same photo twice stores it once, and
//! every read re-hashes, so a damaged blob is reported instead of shown.

use brigada_record::msg;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub const MIGRATION_1: &str = "
CREATE TABLE blobs (
    hash TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    media_type TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
";

/// Sync bookkeeping: blobs the server is known to hold, and downloads in progress
/// (kept inside the encrypted database, so a half-fetched photo is not readable either).
pub const MIGRATION_2: &str = "
CREATE TABLE blobs_on_server (hash TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE blob_partials (
    hash TEXT NOT NULL,
    offset INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (hash, offset)
);
";

pub use brigada_record::protocol::MAX_BLOB;

pub fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

pub fn put(conn: &Connection, bytes: &[u8], media_type: &str, now: i64) -> Result<String> {
    if bytes.len() as u64 > MAX_BLOB {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            max: MAX_BLOB,
        });
    }
    let h = hash(bytes);
    conn.execute(
        "INSERT OR IGNORE INTO blobs (hash, size, media_type, data, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![h, bytes.len() as i64, media_type, bytes, now],
    )?;
    Ok(h)
}

pub fn get(conn: &Connection, h: &str) -> Result<Option<(Vec<u8>, String)>> {
    let row: Option<(Vec<u8>, String)> = conn
        .query_row("SELECT data, media_type FROM blobs WHERE hash = ?1", [h], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    match row {
        Some((data, mt)) if hash(&data) == h => Ok(Some((data, mt))),
        Some(_) => Err(Error::BlobDamaged(h.to_owned())),
        None => Ok(None),
    }
}

pub fn has(conn: &Connection, h: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM blobs WHERE hash = ?1", [h], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Blobs referenced by some expediente that are not here yet (the app shows them as
/// pending until they arrive).
pub fn missing(conn: &Connection) -> Result<Vec<String>> {
    let mut s = conn.prepare_cached(
        "SELECT DISTINCT r.hash FROM blob_refs r WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = r.hash)
         ORDER BY r.hash",
    )?;
    Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}

/// Blobs referenced by some expediente, held here, and not yet known to be on the server.
pub fn unsent(conn: &Connection) -> Result<Vec<String>> {
    let mut s = conn.prepare_cached(
        "SELECT DISTINCT r.hash FROM blob_refs r JOIN blobs b ON b.hash = r.hash
         WHERE NOT EXISTS (SELECT 1 FROM blobs_on_server s WHERE s.hash = r.hash) ORDER BY r.hash",
    )?;
    Ok(s.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
}

/// Forget which blobs the server has (after it was restored from a backup): each is
/// offered again, and the server says which it already holds.
pub fn forget_on_server(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM blobs_on_server", [])?;
    Ok(())
}

pub fn mark_on_server(conn: &Connection, h: &str) -> Result<()> {
    conn.execute("INSERT OR IGNORE INTO blobs_on_server (hash) VALUES (?1)", [h])?;
    Ok(())
}

pub fn partial_len(conn: &Connection, h: &str) -> Result<u64> {
    Ok(conn.query_row(
        "SELECT coalesce(sum(length(data)), 0) FROM blob_partials WHERE hash = ?1",
        [h],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// Keep a downloaded piece at `offset` (which must be the current length).
pub fn append_partial(conn: &Connection, h: &str, offset: u64, chunk: &[u8]) -> Result<()> {
    if offset == 0 {
        conn.execute("DELETE FROM blob_partials WHERE hash = ?1", [h])?;
    } else if partial_len(conn, h)? != offset {
        return Err(Error::InvalidInput(msg!("blob.wrong_offset", offset = offset)));
    }
    conn.execute(
        "INSERT INTO blob_partials (hash, offset, data) VALUES (?1, ?2, ?3)",
        params![h, offset as i64, chunk],
    )?;
    Ok(())
}

fn partial_bytes(conn: &Connection, h: &str) -> Result<Vec<u8>> {
    let mut s = conn.prepare_cached("SELECT data FROM blob_partials WHERE hash = ?1 ORDER BY offset")?;
    let mut out = Vec::new();
    for piece in s.query_map([h], |r| r.get::<_, Vec<u8>>(0))? {
        out.extend_from_slice(&piece?);
    }
    Ok(out)
}

/// Move a complete download into the blob store if its hash matches; drop it if not.
pub fn finish_partial(conn: &Connection, h: &str, media_type: &str, now: i64) -> Result<bool> {
    let data = partial_bytes(conn, h)?;
    conn.execute("DELETE FROM blob_partials WHERE hash = ?1", [h])?;
    if hash(&data) != h {
        return Ok(false);
    }
    put(conn, &data, media_type, now)?;
    mark_on_server(conn, h)?;
    Ok(true)
}

/// The first bytes of a download in progress (to tell its type).
pub fn partial_prefix(conn: &Connection, h: &str) -> Result<Vec<u8>> {
    Ok(conn
        .query_row(
            "SELECT data FROM blob_partials WHERE hash = ?1 AND offset = 0",
            [h],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or_default())
}
