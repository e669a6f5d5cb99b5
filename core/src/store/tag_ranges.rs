//! Asset-tag numbers this device may print: blocks reserved for it by the server.
//!
//! Numbers are handed out in order and marked used in the caller's transaction before a
//! label is drawn, so a tag is never printed twice — a failed print wastes numbers
//! rather than risking a duplicate sticker on two machines.

use rusqlite::{Connection, params};

use crate::error::Result;
use crate::sync::protocol::TagRange;

pub const MIGRATION_1: &str = "
CREATE TABLE tag_ranges (
    first INTEGER PRIMARY KEY,
    last INTEGER NOT NULL,
    next INTEGER NOT NULL,
    allocated_at INTEGER NOT NULL
);
";

pub fn add(conn: &Connection, r: TagRange, now: i64) -> Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO tag_ranges (first, last, next, allocated_at) VALUES (?1, ?2, ?1, ?3)",
        params![r.first, r.last, now],
    )?;
    Ok(())
}

/// Every range this device was given, used up or not.
pub fn all(conn: &Connection) -> Result<Vec<TagRange>> {
    Ok(conn
        .prepare("SELECT first, last FROM tag_ranges ORDER BY first")?
        .query_map([], |r| {
            Ok(TagRange {
                first: r.get(0)?,
                last: r.get(1)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Numbers still free in this device's ranges.
pub fn remaining(conn: &Connection) -> Result<u64> {
    let n: i64 = conn.query_row(
        "SELECT coalesce(sum(last - next + 1), 0) FROM tag_ranges WHERE next <= last",
        [],
        |r| r.get(0),
    )?;
    Ok(n.max(0) as u64)
}

/// Take `count` numbers, oldest range first. The caller checked [`remaining`] and holds
/// the transaction.
pub fn take(conn: &Connection, count: u32) -> Result<Vec<u32>> {
    let ranges: Vec<(u32, u32, u32)> = conn
        .prepare("SELECT first, last, next FROM tag_ranges WHERE next <= last ORDER BY first")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(count as usize);
    for (first, last, next) in ranges {
        let want = count as usize - out.len();
        if want == 0 {
            break;
        }
        let end = last.min(next + want as u32 - 1);
        out.extend(next..=end);
        conn.execute(
            "UPDATE tag_ranges SET next = ?2 WHERE first = ?1",
            params![first, end + 1],
        )?;
    }
    Ok(out)
}
