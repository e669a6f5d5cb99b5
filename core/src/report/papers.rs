//! The official documents' own facts, beside the index: for each document an expediente
//! has issued (or that has a signature), when it was issued, when its last required
//! signature arrived, and whether its content changed after the last signature. The office
//! chases papers still unsigned and reviews papers altered after signing; these facts let
//! the report count both without loading a CRDT.
//!
//! "Changed after signing" compares the paper's body now with its body at the last
//! signature's heads — the same comparison printing makes ([`crate::forms`]). Rebuilding a
//! past version forks the document's history, so it is done once per signature: the hash
//! of the signed body is kept with the heads it belongs to (a version at given heads never
//! changes) and reused on every later write. The key also names this program's version,
//! since how a body is worded can change with it: after an update the signed versions are
//! read again (and `Store::reindex` rebuilds every row).

use std::collections::HashMap;

use automerge::Automerge;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::forms::{ALL_KINDS, at_heads, content, signatures_for};
use crate::model::Expediente;
use crate::procedure;

pub const MIGRATION: &str = "
CREATE TABLE paper_facts (
    expediente_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    complete_at INTEGER,
    signed_heads TEXT,
    signed_body TEXT,
    changed INTEGER,
    PRIMARY KEY (expediente_id, kind)
) WITHOUT ROWID;
";

/// One document of one expediente as the figures see it.
#[derive(Debug, Clone, PartialEq)]
pub struct PaperFact {
    pub expediente_id: String,
    /// A document kind's slug.
    pub kind: String,
    pub issued_at: i64,
    /// When the last of the roles it needs first signed; `None` while one has not.
    pub complete_at: Option<i64>,
    /// Its content now differs from the version the last signature sealed (`None`: not
    /// signed, or the signed version is not in this copy's history).
    pub changed: Option<bool>,
}

/// The cache key of a signed version: this program's version and the signature's heads.
fn signed_key(heads: &[String]) -> String {
    format!("{}:{}", env!("CARGO_PKG_VERSION"), heads.join(","))
}

fn body_hash(b: &content::Body) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(b).unwrap_or_default()))
}

/// Rewrite the document facts of one expediente (called by the index's upsert).
pub fn upsert(conn: &Connection, d: &Automerge, e: &Expediente) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, signed_heads, signed_body FROM paper_facts
         WHERE expediente_id = ?1 AND signed_heads IS NOT NULL AND signed_body IS NOT NULL",
    )?;
    let mut signed: HashMap<String, (String, String)> = stmt
        .query_map([&e.id], |r| Ok((r.get::<_, String>(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM paper_facts WHERE expediente_id = ?1", [&e.id])?;
    let Ok(proc) = procedure::get(&e.procedure_id, e.procedure_version) else {
        return Ok(());
    };
    // Papers sealed by one signature share its version: forked once.
    let mut versions: HashMap<String, Option<Expediente>> = HashMap::new();
    for kind in ALL_KINDS {
        if proc.steps_for_document(kind).is_empty() {
            continue;
        }
        let slug = kind.slug();
        let sigs = signatures_for(e, proc, kind);
        let issued = e.documents.iter().filter(|x| x.kind == slug).map(|x| x.stamp.at).min();
        let Some(issued_at) = issued.or_else(|| sigs.first().map(|s| s.stamp.at)) else {
            continue;
        };
        // The first signature of each role it needs (signatures are oldest first).
        let firsts: Vec<Option<i64>> = proc
            .roles_for_document(kind)
            .into_iter()
            .map(|role| sigs.iter().find(|s| s.role == role).map(|s| s.stamp.at))
            .collect();
        let complete_at = if firsts.iter().all(Option::is_some) {
            Some(firsts.into_iter().flatten().max().unwrap_or(issued_at))
        } else {
            None
        };
        let (heads, signed_body, changed) = match sigs.last() {
            Some(last) => {
                let heads = signed_key(&last.heads);
                let cutoff = Some(last.stamp.at);
                let then = match signed.remove(&slug) {
                    Some((h, body)) if h == heads => Some(body),
                    _ => versions
                        .entry(heads.clone())
                        .or_insert_with(|| at_heads(&e.id, d, &last.heads))
                        .as_ref()
                        .map(|x| body_hash(&content::body(x, proc, kind, cutoff))),
                };
                let now = body_hash(&content::body(e, proc, kind, cutoff));
                let changed = then.as_ref().map(|t| *t != now);
                (Some(heads), then, changed)
            }
            None => (None, None, None),
        };
        conn.execute(
            "INSERT INTO paper_facts (expediente_id, kind, issued_at, complete_at, signed_heads, signed_body, changed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![e.id, slug, issued_at, complete_at, heads, signed_body, changed],
        )?;
    }
    Ok(())
}

/// The document facts of the expedientes that `job_facts` would load for `[start, end)`.
pub fn load(conn: &Connection, start: i64, end: i64, seccion: Option<&str>) -> Result<Vec<PaperFact>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.expediente_id, p.kind, p.issued_at, p.complete_at, p.changed FROM paper_facts p
         JOIN job_facts j ON j.id = p.expediente_id
         WHERE j.created_at < ?1 AND (j.closed_at IS NULL OR j.closed_at >= ?2) AND (?3 IS NULL OR j.seccion = ?3)
         ORDER BY p.expediente_id, p.kind",
    )?;
    let rows = stmt
        .query_map(params![end, start, seccion], |r| {
            Ok(PaperFact {
                expediente_id: r.get(0)?,
                kind: r.get(1)?,
                issued_at: r.get(2)?,
                complete_at: r.get(3)?,
                changed: r.get(4)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
