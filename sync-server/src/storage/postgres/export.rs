//! A PostgreSQL deployment written out as an embedded database (`brigada-sync backup
//! --database`): the backup file is the same as an embedded server's, so `restore` takes
//! it back into a folder or, with `--database`, into PostgreSQL again.

use std::path::Path;

use postgres::IsolationLevel;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::Type;
use rusqlite::types::Value;

use super::{PgStorage, Tx};
use crate::error::{Result, ServerError};
use crate::storage::sqlite::{SqliteStorage, db_path};

/// Each table as PostgreSQL reads it and the embedded database writes it, column for
/// column. PostgreSQL's own 'actors' counter stays behind.
const TABLES: [(&str, &str); 9] = [
    (
        "SELECT id, person, role, seccion, code_hash, code_expires_at, token_hash, device_name, device_code,
            public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at FROM devices",
        "INSERT INTO devices (id, person, role, seccion, code_hash, code_expires_at, token_hash, device_name,
            device_code, public_key, created_at, enrolled_at, revoked_at, actor, last_sync_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    ),
    (
        "SELECT id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio FROM docs",
        "INSERT INTO docs (id, kind, seccion, creator_device, snapshot, feed_seq, updated_at, folio)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    ),
    (
        "SELECT doc_id, data FROM doc_changes ORDER BY seq",
        "INSERT INTO doc_changes (doc_id, data) VALUES (?1, ?2)",
    ),
    (
        "SELECT person, doc_id FROM doc_assignees",
        "INSERT INTO doc_assignees (person, doc_id) VALUES (?1, ?2)",
    ),
    (
        "SELECT hash, doc_id FROM blob_refs",
        "INSERT INTO blob_refs (hash, doc_id) VALUES (?1, ?2)",
    ),
    (
        "SELECT device_id, doc_id, heads, pending, pending_cursor FROM device_docs",
        "INSERT INTO device_docs (device_id, doc_id, heads, pending, pending_cursor) VALUES (?1, ?2, ?3, ?4, ?5)",
    ),
    (
        "SELECT first, last, device_id, allocated_at FROM tag_ranges",
        "INSERT INTO tag_ranges (first, last, device_id, allocated_at) VALUES (?1, ?2, ?3, ?4)",
    ),
    (
        "SELECT seq, seal, device_id, first_seen FROM seals",
        "INSERT INTO seals (seq, seal, device_id, first_seen) VALUES (?1, ?2, ?3, ?4)",
    ),
    (
        "SELECT key, value FROM server_meta WHERE key <> 'actors'",
        "INSERT INTO server_meta (key, value) VALUES (?1, ?2)",
    ),
];

/// One column of a PostgreSQL row as an embedded database's value.
fn value(r: &postgres::Row, i: usize) -> Result<Value> {
    let ty = r.columns()[i].type_();
    let v = if *ty == Type::TEXT {
        r.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else if *ty == Type::INT8 {
        r.try_get::<_, Option<i64>>(i)?.map(Value::Integer)
    } else if *ty == Type::INT4 {
        r.try_get::<_, Option<i32>>(i)?.map(|n| Value::Integer(n.into()))
    } else if *ty == Type::BYTEA {
        r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else {
        return Err(ServerError::Storage(format!(
            "cannot write a {ty} column into a backup"
        )));
    };
    Ok(v.unwrap_or(Value::Null))
}

impl PgStorage {
    /// Write every record into a new embedded database in `dir`, from one snapshot (the
    /// instances keep serving meanwhile).
    pub fn export(&self, dir: &Path) -> Result<()> {
        drop(SqliteStorage::open(dir)?);
        let mut dst = rusqlite::Connection::open(db_path(dir))?;
        let out = dst.transaction()?;
        self.run_once(IsolationLevel::RepeatableRead, |t| copy_out(t, &out))?;
        out.commit()?;
        Ok(())
    }
}

fn copy_out(t: &mut Tx<'_>, out: &rusqlite::Connection) -> Result<()> {
    for (select, insert) in TABLES {
        let mut st = out.prepare(insert)?;
        // Row by row: a table of documents need not fit in memory.
        let mut rows = t.stream(select)?;
        while let Some(r) = rows.next()? {
            let values: Vec<Value> = (0..r.len()).map(|i| value(&r, i)).collect::<Result<_>>()?;
            st.execute(rusqlite::params_from_iter(values))?;
        }
    }
    Ok(())
}
