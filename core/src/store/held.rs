//! Documents held aside: what this device could not take in, or the server would not.
//!
//! One document that cannot join the others — an expediente whose folio another one here
//! already has (two tablets with the same folio code), or one the server refused — must
//! never stop a sync of everything else, and must never be lost or silently dropped. Its
//! bytes stay in the documents table (so it keeps merging and can still be exported);
//! it is kept out of the index when its folio clashes; and it is listed here with the
//! reason, for the sync screen and `brigada sync`, until a later sync takes it in.

use automerge::Automerge;
use brigada_record::messages::Message;
use brigada_record::msg;
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::index;
use crate::error::Result;
use crate::model::Expediente;
use crate::procedure::engine::Status;

pub const MIGRATION_1: &str = "
CREATE TABLE held (
    id TEXT PRIMARY KEY,
    folio TEXT NOT NULL,
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
);
";

/// A document held aside, with why (in this process's language).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Held {
    pub id: String,
    /// The folio (an asset's tag for an asset).
    pub folio: String,
    pub reason: String,
    /// When it was held (ms UTC).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub at: i64,
}

pub fn hold(conn: &Connection, id: &str, folio: &str, reason: &Message, at: i64) -> Result<Held> {
    conn.execute(
        "INSERT INTO held (id, folio, reason, at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET folio = excluded.folio, reason = excluded.reason, at = excluded.at",
        params![id, folio, serde_json::to_string(reason).unwrap_or_default(), at],
    )?;
    Ok(Held {
        id: id.to_owned(),
        folio: folio.to_owned(),
        reason: reason.to_string(),
        at,
    })
}

/// `id` came in fine: it is no longer held.
pub fn release(conn: &Connection, id: &str) -> Result<()> {
    conn.execute("DELETE FROM held WHERE id = ?1", [id])?;
    Ok(())
}

pub fn list(conn: &Connection) -> Result<Vec<Held>> {
    let mut st = conn.prepare("SELECT id, folio, reason, at FROM held ORDER BY at, id")?;
    let rows = st
        .query_map([], |r| {
            let reason: String = r.get(2)?;
            Ok(Held {
                id: r.get(0)?,
                folio: r.get(1)?,
                reason: serde_json::from_str::<Message>(&reason).map_or(reason, |m| m.to_string()),
                at: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// Another expediente here with `folio`, if any.
pub fn folio_holder(conn: &Connection, folio: &str, id: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM expedientes WHERE folio = ?1 AND id <> ?2 LIMIT 1",
            params![folio, id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Index an expediente; if another expediente here has its folio, hold it aside instead
/// (and say why). An expediente that no longer clashes is released.
pub fn index_or_hold(conn: &Connection, d: &Automerge, e: &Expediente, st: &Status, now: i64) -> Result<Option<Held>> {
    if let Some(other) = folio_holder(conn, &e.folio, &e.id)? {
        let reason = msg!("refused.folio_clash", folio = &e.folio, other = other);
        return Ok(Some(hold(conn, &e.id, &e.folio, &reason, now)?));
    }
    index::upsert_expediente(conn, d, e, st, now)?;
    release(conn, &e.id)?;
    Ok(None)
}
