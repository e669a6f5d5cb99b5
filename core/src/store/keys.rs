//! The enrolled devices' signing keys and writer actors, as last fetched from the server.
//!
//! Signatures are verified offline, on any device, against this list: a seal counts only
//! when its key was enrolled and not revoked at the signing time. The history names the
//! author of each change from its Automerge actor through this list (the server accepts a
//! change only from the device that owns its actor). The list is replaced whole on every
//! fetch (the server's list is the authority and is small).
//!
//! The server's witness list (when it first received each seal) is kept beside it, read a
//! page at a time after the last position held: a key revoked before its seal reached the
//! server makes the signature one to review, whatever the signer's clock said.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::sync_state;
use crate::error::Result;
use crate::sync::protocol::{DeviceKey, SealSeen};

pub const MIGRATION_1: &str = "
CREATE TABLE device_keys (
    public_key TEXT PRIMARY KEY,
    device_id TEXT NOT NULL,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    device_name TEXT NOT NULL,
    enrolled_at INTEGER NOT NULL,
    revoked_at INTEGER
);
";

/// The writer actor of each device (the server's own binding).
pub const MIGRATION_2: &str = "
ALTER TABLE device_keys ADD COLUMN actor TEXT;
";

/// When the server first received each seal (its witness: the signing time in a
/// signature is only the signer's clock).
pub const MIGRATION_3: &str = "
CREATE TABLE seal_witness (
    seal TEXT PRIMARY KEY,
    first_seen INTEGER NOT NULL
) WITHOUT ROWID;
";

const SEALS_CURSOR: &str = "seals_cursor";

/// The position after which to ask the server for more of its witness list.
pub fn seals_cursor(conn: &Connection) -> Result<i64> {
    Ok(sync_state::setting(conn, SEALS_CURSOR)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn forget_seals_cursor(conn: &Connection) -> Result<()> {
    sync_state::set_setting(conn, SEALS_CURSOR, "0")
}

/// Keep a page of the server's witness list (the earliest receipt of a seal counts) and
/// move the cursor past it.
pub fn witness(conn: &Connection, page: &[SealSeen]) -> Result<()> {
    let mut st = conn.prepare_cached(
        "INSERT INTO seal_witness (seal, first_seen) VALUES (?1, ?2)
         ON CONFLICT (seal) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen)",
    )?;
    for s in page {
        st.execute(params![s.seal.to_ascii_lowercase(), s.first_seen])?;
    }
    if let Some(last) = page.iter().map(|s| s.seq).max() {
        sync_state::set_setting(conn, SEALS_CURSOR, &last.max(seals_cursor(conn)?).to_string())?;
    }
    Ok(())
}

/// When the server first received this seal, if it has said.
pub fn witnessed(conn: &Connection, seal: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row(
            "SELECT first_seen FROM seal_witness WHERE seal = ?1",
            [seal.to_ascii_lowercase()],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn replace_all(conn: &Connection, keys: &[DeviceKey]) -> Result<()> {
    conn.execute("DELETE FROM device_keys", [])?;
    let mut st = conn.prepare(
        "INSERT OR REPLACE INTO device_keys
         (public_key, device_id, person, role, device_name, enrolled_at, revoked_at, actor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    for k in keys {
        st.execute(params![
            k.public_key.to_ascii_lowercase(),
            k.device_id,
            k.person,
            k.role,
            k.device_name,
            k.enrolled_at,
            k.revoked_at,
            k.actor.as_deref().map(str::to_ascii_lowercase)
        ])?;
    }
    Ok(())
}

pub fn find(conn: &Connection, public_key: &str) -> Result<Option<DeviceKey>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLS} FROM device_keys WHERE public_key = ?1"),
            [public_key.to_ascii_lowercase()],
            row,
        )
        .optional()?)
}

/// Every device that writes under a known actor, by actor (hex).
pub fn by_actor(conn: &Connection) -> Result<HashMap<String, DeviceKey>> {
    let mut st = conn.prepare(&format!(
        "SELECT {COLS} FROM device_keys WHERE actor IS NOT NULL ORDER BY enrolled_at"
    ))?;
    let keys = st.query_map([], row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(keys.into_iter().filter_map(|k| Some((k.actor.clone()?, k))).collect())
}

const COLS: &str = "device_id, person, role, device_name, public_key, enrolled_at, revoked_at, actor";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceKey> {
    Ok(DeviceKey {
        device_id: r.get(0)?,
        person: r.get(1)?,
        role: r.get(2)?,
        device_name: r.get(3)?,
        public_key: r.get(4)?,
        enrolled_at: r.get(5)?,
        revoked_at: r.get(6)?,
        actor: r.get(7)?,
    })
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM device_keys", [], |r| r.get(0))?)
}
