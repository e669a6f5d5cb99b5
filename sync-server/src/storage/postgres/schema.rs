//! The server's tables on PostgreSQL, and their migrations: run on start by whichever
//! instance comes first (the others wait on an advisory lock), each in the transaction
//! that records it, and refused when the database is newer than this binary.
//!
//! A migration once shipped is never edited: a change is a new entry at the end.

use super::{LOCK_MIGRATE, detail};
use crate::error::{Result, ServerError};

const SCHEMA: &[&str] = &[
    "
CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    person TEXT NOT NULL,
    role TEXT NOT NULL,
    seccion TEXT NOT NULL,
    code_hash TEXT UNIQUE,
    code_expires_at BIGINT,
    token_hash TEXT UNIQUE,
    device_name TEXT,
    device_code TEXT,
    public_key TEXT,
    created_at BIGINT NOT NULL,
    enrolled_at BIGINT,
    revoked_at BIGINT,
    actor TEXT,
    last_sync_at BIGINT
);
CREATE INDEX devices_by_actor ON devices (actor);
CREATE INDEX devices_by_key ON devices (public_key);
CREATE INDEX devices_by_code ON devices (device_code);

-- Feed positions are numbered at commit (see storage::postgres): NULL only inside the
-- transaction that wrote the row.
CREATE SEQUENCE feed_positions;
CREATE TABLE docs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    seccion TEXT NOT NULL,
    creator_device TEXT NOT NULL,
    snapshot BYTEA NOT NULL,
    feed_seq BIGINT UNIQUE,
    updated_at BIGINT NOT NULL,
    folio TEXT
);
CREATE INDEX docs_by_seccion ON docs (seccion, feed_seq);
CREATE INDEX docs_by_creator ON docs (creator_device, feed_seq);
CREATE INDEX docs_by_folio ON docs (folio);
CREATE TABLE doc_changes (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    doc_id TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX doc_changes_by_doc ON doc_changes (doc_id, seq);
CREATE TABLE doc_assignees (
    person TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (person, doc_id)
);
CREATE INDEX doc_assignees_by_doc ON doc_assignees (doc_id);
CREATE TABLE device_docs (
    device_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    heads BYTEA,
    pending BYTEA,
    pending_cursor BIGINT,
    PRIMARY KEY (device_id, doc_id)
);
CREATE INDEX device_docs_pending ON device_docs (device_id, pending_cursor) WHERE pending_cursor IS NOT NULL;
CREATE TABLE blob_refs (
    hash TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (hash, doc_id)
);
CREATE INDEX blob_refs_by_doc ON blob_refs (doc_id);
CREATE TABLE tag_ranges (
    first BIGINT PRIMARY KEY,
    last BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    allocated_at BIGINT NOT NULL
);
CREATE TABLE server_meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);

-- The server's witness of each signature; positions numbered at commit like the feed's.
CREATE SEQUENCE seal_positions;
CREATE TABLE seals (
    seq BIGINT UNIQUE,
    seal TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    first_seen BIGINT NOT NULL
);
",
    // One expediente per folio, as a constraint: two instances checking the same new folio
    // at once cannot both store it (the later runs again and is refused).
    "
DROP INDEX docs_by_folio;
CREATE UNIQUE INDEX docs_by_folio ON docs (folio);
",
    // A técnico's feed reads equipment through its own index (repo.rs, TECNICO_FEED).
    "
CREATE INDEX docs_by_kind ON docs (kind, feed_seq);
",
];

/// Bring the database up to this server's schema, or refuse a newer one.
pub(super) fn migrate(c: &mut postgres::Client) -> Result<()> {
    let fail = |e: postgres::Error| ServerError::Storage(format!("cannot migrate the database: {}", detail(&e)));
    let mut tx = c.transaction().map_err(fail)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE])
        .map_err(fail)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS brigada_schema (version INTEGER NOT NULL)")
        .map_err(fail)?;
    let version: i32 = tx
        .query_opt("SELECT version FROM brigada_schema", &[])
        .map_err(fail)?
        .map(|r| r.get(0))
        .unwrap_or(0);
    let known = SCHEMA.len() as i32;
    if version > known {
        return Err(ServerError::Storage(format!(
            "the database has schema {version}, this server knows {known}: update brigada-sync"
        )));
    }
    for sql in &SCHEMA[version as usize..] {
        tx.batch_execute(sql).map_err(fail)?;
    }
    tx.execute("DELETE FROM brigada_schema", &[]).map_err(fail)?;
    tx.execute("INSERT INTO brigada_schema (version) VALUES ($1)", &[&known])
        .map_err(fail)?;
    tx.commit().map_err(fail)
}
