//! The enrolled devices' signing keys, as last fetched from the server.
//!
//! Signatures are verified offline, on any device, against this list: a seal counts only
//! when its key was enrolled and not revoked at the signing time. The list is replaced
//! whole on every fetch (the server's list is the authority and is small).

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;
use crate::sync::protocol::DeviceKey;

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

pub fn replace_all(conn: &Connection, keys: &[DeviceKey]) -> Result<()> {
    conn.execute("DELETE FROM device_keys", [])?;
    let mut st = conn.prepare(
        "INSERT OR REPLACE INTO device_keys
         (public_key, device_id, person, role, device_name, enrolled_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for k in keys {
        st.execute(params![
            k.public_key.to_ascii_lowercase(),
            k.device_id,
            k.person,
            k.role,
            k.device_name,
            k.enrolled_at,
            k.revoked_at
        ])?;
    }
    Ok(())
}

pub fn find(conn: &Connection, public_key: &str) -> Result<Option<DeviceKey>> {
    Ok(conn
        .query_row(
            "SELECT device_id, person, role, device_name, public_key, enrolled_at, revoked_at
             FROM device_keys WHERE public_key = ?1",
            [public_key.to_ascii_lowercase()],
            |r| {
                Ok(DeviceKey {
                    device_id: r.get(0)?,
                    person: r.get(1)?,
                    role: r.get(2)?,
                    device_name: r.get(3)?,
                    public_key: r.get(4)?,
                    enrolled_at: r.get(5)?,
                    revoked_at: r.get(6)?,
                })
            },
        )
        .optional()?)
}

pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM device_keys", [], |r| r.get(0))?)
}
