//! The official documents' own facts, beside the index: for each document an expediente
//! has issued (or that has a signature), when it was issued, when its last required
//! signature arrived, and whether it changed after it was signed. The office chases papers
//! still unsigned and reviews papers altered after signing; these facts let the report
//! count both without loading a CRDT.
//!
//! "Changed after signing" compares the paper's body now with its body at each signer's
//! heads — the comparison printing makes ([`crate::forms`]). Rebuilding a past version
//! forks the document's history, so it is done once per signature: the hash of what it
//! sealed is kept (`signed_bodies`) under a key naming the signature, its heads and this
//! program's version (how a body is worded can change with an update: then the signed
//! versions are read again, and `Store::reindex` rebuilds every row).

use std::collections::HashMap;

use automerge::Automerge;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};

use super::facts::JobFact;
use super::figure::Window;
use crate::error::Result;
use crate::forms::{ALL_KINDS, at_heads, content, signatures_for};
use crate::model::{Expediente, Signature};
use crate::procedure;

pub const MIGRATION: &str = "
CREATE TABLE paper_facts (
    expediente_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    complete_at INTEGER,
    changed INTEGER,
    PRIMARY KEY (expediente_id, kind)
) WITHOUT ROWID;
CREATE TABLE signed_bodies (
    expediente_id TEXT NOT NULL,
    key TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (expediente_id, key)
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
    /// What a signer sealed differs from what it says now (`None`: not signed).
    pub changed: Option<bool>,
}

/// The cache key of what one signature sealed on one kind of paper: this program's
/// version, the paper, the signature (its id names its cut-off time) and its heads.
fn signed_key(kind: &str, s: &Signature) -> String {
    format!("{}:{kind}:{}:{}", env!("CARGO_PKG_VERSION"), s.id, s.heads.join(","))
}

fn body_hash(b: &content::Body) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(b).unwrap_or_default()))
}

/// Rewrite the document facts of one expediente (called by the index's upsert at `now`).
///
/// A paper counts as changed after signing when, for any role that signed it, the latest
/// signature in that role sealed a body other than the one it has now (each compared at
/// that signature's own cut-off): signing again after a change clears it, another role
/// signing the new version does not. A signature whose version is not in the history (its
/// heads name changes nobody has) counts as changed: nothing shows what it sealed.
pub fn upsert(conn: &Connection, d: &Automerge, e: &Expediente, now: i64) -> Result<()> {
    let mut stmt = conn.prepare_cached("SELECT key, hash FROM signed_bodies WHERE expediente_id = ?1")?;
    let cached: HashMap<String, String> = stmt
        .query_map([&e.id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM signed_bodies WHERE expediente_id = ?1", [&e.id])?;
    conn.execute("DELETE FROM paper_facts WHERE expediente_id = ?1", [&e.id])?;
    let Ok(proc) = procedure::get(&e.procedure_id, e.procedure_version) else {
        return summarise(conn, &e.id, None, None, false);
    };
    // What the job's row says of its papers (see `facts::MIGRATION_3`).
    let mut first_issued: Option<i64> = None;
    let (mut last_complete, mut one_unsigned, mut any_changed) = (None::<i64>, false, false);
    // Papers sealed by one signature share its version: the history is forked once.
    let mut versions: HashMap<String, Option<Expediente>> = HashMap::new();
    for kind in ALL_KINDS {
        if proc.steps_for_document(kind).is_empty() {
            continue;
        }
        let slug = kind.slug();
        let sigs = signatures_for(e, proc, kind);
        let issued = e.documents.iter().filter(|x| x.kind == slug).map(|x| x.stamp.at).min();
        // A date the device put in the future does not keep a paper out of "unsigned".
        let Some(issued_at) = issued.or_else(|| sigs.first().map(|s| s.stamp.at)).map(|t| t.min(now)) else {
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
        // The latest signature of each role.
        let mut latest: Vec<&Signature> = Vec::new();
        for s in &sigs {
            latest.retain(|l| l.role != s.role);
            latest.push(s);
        }
        let mut changed = None;
        for s in latest {
            let key = signed_key(&slug, s);
            let cutoff = Some(s.stamp.at);
            let then = cached.get(&key).cloned().or_else(|| {
                versions
                    .entry(s.heads.join(","))
                    .or_insert_with(|| at_heads(&e.id, d, &s.heads))
                    .as_ref()
                    .map(|x| body_hash(&content::body(x, proc, kind, cutoff)))
            });
            let current = body_hash(&content::body(e, proc, kind, cutoff));
            if let Some(h) = &then {
                conn.execute(
                    "INSERT OR REPLACE INTO signed_bodies (expediente_id, key, hash) VALUES (?1, ?2, ?3)",
                    params![e.id, key, h],
                )?;
            }
            let differs = then.is_none_or(|h| h != current);
            changed = Some(changed.unwrap_or(false) || differs);
        }
        conn.execute(
            "INSERT INTO paper_facts (expediente_id, kind, issued_at, complete_at, changed)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![e.id, slug, issued_at, complete_at, changed],
        )?;
        first_issued = Some(first_issued.map_or(issued_at, |f| f.min(issued_at)));
        last_complete = last_complete.max(complete_at);
        one_unsigned |= complete_at.is_none();
        any_changed |= changed == Some(true);
    }
    let all_signed = if one_unsigned { None } else { last_complete };
    summarise(conn, &e.id, first_issued, all_signed, any_changed)
}

/// Write what job `id`'s row says of its papers (see `facts::MIGRATION_3`).
pub(crate) fn summarise(
    conn: &Connection,
    id: &str,
    from: Option<i64>,
    signed: Option<i64>,
    changed: bool,
) -> Result<()> {
    conn.execute(
        "UPDATE job_facts SET papers_from = ?2, papers_signed = ?3, papers_changed = ?4, papers_class = ?5 WHERE id = ?1",
        params![id, from, signed, changed, from.zip(signed).map(|(f, s)| super::tally::class(f, s))],
    )?;
    Ok(())
}

/// Forget every document's facts and signed versions, before a rebuild of the index: the
/// signed versions are read again from history (how a body is worded may have changed).
pub fn forget_all(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM paper_facts; DELETE FROM signed_bodies;")?;
    Ok(())
}

/// The documents of `jobs` (a period's, from [`super::facts::load`]) that lacked a signature
/// at window `w`'s cutoff or changed after signing ([`Window::unsigned`],
/// [`Window::altered`]): the others count in no figure. Only the jobs whose row says one
/// of theirs can be either are looked up ([`JobFact::papers_matter`]).
pub fn load(conn: &Connection, w: &Window, jobs: &[JobFact]) -> Result<Vec<PaperFact>> {
    let mut ids: Vec<&str> = jobs
        .iter()
        .filter(|j| j.papers_matter(w.cutoff))
        .map(|j| j.id.as_str())
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    ids.sort_unstable();
    ids.dedup();
    let mut stmt = conn.prepare_cached(
        "SELECT p.expediente_id, p.kind, p.issued_at, p.complete_at, p.changed
         FROM json_each(?1) j JOIN paper_facts p ON p.expediente_id = j.value
         WHERE p.changed = 1 OR (p.issued_at < ?2 AND (p.complete_at IS NULL OR p.complete_at >= ?2))
         ORDER BY p.expediente_id, p.kind",
    )?;
    let ids = serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into());
    let rows = stmt
        .query_map(params![ids, w.cutoff], |r| {
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
