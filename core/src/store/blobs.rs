//! Content-addressed blobs (photos, signature strokes and images), inside the encrypted
//! database so a lost tablet gives nothing away.
//!
//! The key is the SHA-256 of the bytes: storing the same photo twice stores it once, and
//! every read re-hashes, so a damaged blob is reported instead of shown.

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

/// Largest attachment accepted (a 12 MP JPEG is ≈ 5 MiB).
pub const MAX_BLOB: u64 = 25 * 1024 * 1024;

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
